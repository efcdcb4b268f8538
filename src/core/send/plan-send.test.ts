import { describe, expect, it } from 'vitest';
import type { RecipientKey } from '../discovery/resolve-recipient';
import type { KeySummary } from '../crypto/types';
import type { PreparedMessage } from './deliver';
import { planSend, type SendPlanInput } from './plan-send';

const summary = { fingerprint: 'F'.repeat(40) } as KeySummary;
const valid = (armored: string): RecipientKey => ({
  status: 'valid',
  firstSeen: '2026-01-01T00:00:00Z',
  checkedAt: '2026-01-01T00:00:00Z',
  source: 'wkd',
  fingerprint: summary.fingerprint,
  armoredPublic: armored,
  summary,
  url: null,
});
const invalidKey: RecipientKey = {
  status: 'invalid',
  problem: 'expired',
  checkedAt: '2026-01-01T00:00:00Z',
  source: 'keystore',
  fingerprint: summary.fingerprint,
  armoredPublic: 'OLD',
  summary,
  url: null,
};
const none: RecipientKey = { status: 'none', failures: [], checkedAt: '2026-01-01T00:00:00Z' };
const error: RecipientKey = { status: 'error', failures: [], checkedAt: '2026-01-01T00:00:00Z' };
const changed = { status: 'changed', checkedAt: '2026-01-01T00:00:00Z' } as unknown as RecipientKey;

function input(over: Partial<SendPlanInput> & { keys?: Record<string, RecipientKey> } = {}): SendPlanInput {
  const keys = over.keys ?? { 'bob@example.test': valid('BOB'), 'carol@example.test': valid('CAROL') };
  return {
    from: 'alice@example.test',
    recipients: [{ address: 'bob@example.test' }, { address: 'Carol@Example.test' }],
    keyOf: (a) => keys[a.toLowerCase()],
    encrypt: true,
    sign: true,
    protectHeaders: true,
    ownKey: { status: 'valid', fingerprint: 'AAAA', armoredPublic: 'ALICE', unlocked: true },
    retry: null,
    refreshed: false,
    attachmentSizes: [],
    limits: { upload: null, smtp: null, attachments: null },
    ...over,
  };
}

describe('planSend', () => {
  it('blocks without a From address', () => {
    expect(planSend(input({ from: null }))).toMatchObject({ kind: 'blocked', reason: 'no-identity' });
  });

  it('blocks on text that is not an address, naming it', () => {
    const plan = planSend(input({ recipients: [{ address: 'bob@example.test' }, { invalid: 'bob@' }] }));
    expect(plan).toMatchObject({ kind: 'blocked', reason: 'invalid-addresses', addresses: ['bob@'] });
    expect(plan.kind === 'blocked' && plan.message).toContain('"bob@" is not a valid e-mail address');
  });

  it('blocks a message surely too large for the server before anything is built, encrypted or not', () => {
    const MiB = 1024 * 1024;
    const limits = { upload: 100 * MiB, smtp: 50 * MiB, attachments: 10 * MiB };
    // 30 MiB is 41.1 MiB in base64 lines, and 56.4 MiB once that is encrypted and armored.
    const encrypted = planSend(input({ attachmentSizes: [10 * MiB, 20 * MiB], limits }));
    expect(encrypted).toMatchObject({ kind: 'blocked', reason: 'too-large' });
    expect(encrypted.kind === 'blocked' && encrypted.message).toBe(
      'Not sent. With its attachments this message is at least 56.4 MiB encrypted, and the mail server sends messages of at most 50.0 MiB. Remove attachments to send it.',
    );
    expect(planSend(input({ attachmentSizes: [10 * MiB, 20 * MiB], limits, encrypt: false })).kind).toBe('ready');
    // The tighter limit is the one named; the advisory attachments limit never blocks.
    const upload = planSend(input({ attachmentSizes: [30 * MiB], limits: { ...limits, upload: 40 * MiB } }));
    expect(upload.kind === 'blocked' && upload.message).toContain('the server accepts uploads of at most 40.0 MiB');
    // Decided before keys are looked at: waiting for a key would not help.
    expect(planSend(input({ attachmentSizes: [30 * MiB], limits, keys: {} }))).toMatchObject({ reason: 'too-large' });
    // A message already built goes again as it is: its exact size is checked before the upload.
    const retry = { prepared: { identityId: 'I', messageId: '<m@x>', copies: [] } as PreparedMessage };
    expect(planSend(input({ attachmentSizes: [30 * MiB], limits, retry })).kind).toBe('resume');
  });

  it('blocks without recipients', () => {
    expect(planSend(input({ recipients: [] }))).toMatchObject({ kind: 'blocked', reason: 'no-recipients' });
  });

  describe('encryption on: nothing is sent unless every recipient has a usable key', () => {
    it('blocks while a key is still being looked up', () => {
      const plan = planSend(input({ keys: { 'bob@example.test': valid('BOB') } }));
      expect(plan).toMatchObject({ kind: 'blocked', reason: 'keys-pending', addresses: ['Carol@Example.test'] });
    });

    it.each([
      ['no key', none],
      ['a failed look-up', error],
      ['a changed key not yet accepted', changed],
    ])('blocks for a recipient with %s', (_, key) => {
      const plan = planSend(input({ keys: { 'bob@example.test': valid('BOB'), 'carol@example.test': key } }));
      expect(plan).toMatchObject({ kind: 'blocked', reason: 'keys-missing', addresses: ['Carol@Example.test'] });
      expect(plan.kind === 'blocked' && plan.message).toContain('turn encryption off');
    });

    it('refreshes unusable (expired, revoked) keys once, then blocks if they stay unusable', () => {
      const keys = { 'bob@example.test': valid('BOB'), 'carol@example.test': invalidKey };
      expect(planSend(input({ keys }))).toEqual({ kind: 'needs-refresh', addresses: ['Carol@Example.test'] });
      expect(planSend(input({ keys, refreshed: true }))).toMatchObject({
        kind: 'blocked',
        reason: 'keys-missing',
        addresses: ['Carol@Example.test'],
      });
    });

    it('is ready with every recipient key and the sender key when all are usable', () => {
      const plan = planSend(input());
      expect(plan).toEqual({
        kind: 'ready',
        security: {
          encrypt: true,
          signWith: 'AAAA',
          recipientKeys: { 'bob@example.test': 'BOB', 'carol@example.test': 'CAROL' },
          ownKey: { address: 'alice@example.test', armoredPublic: 'ALICE' },
          protectHeaders: true,
        },
      });
    });
  });

  it('encryption off: recipients without keys do not block', () => {
    const plan = planSend(input({ encrypt: false, keys: { 'bob@example.test': none } }));
    expect(plan).toMatchObject({ kind: 'ready', security: { encrypt: false, signWith: 'AAAA' } });
  });

  it('asks to unlock the sender key before signing', () => {
    const plan = planSend(
      input({ ownKey: { status: 'valid', fingerprint: 'AAAA', armoredPublic: 'ALICE', unlocked: false } }),
    );
    expect(plan).toEqual({ kind: 'needs-unlock', fingerprint: 'AAAA' });
  });

  it('does not sign with a key that is not valid for the From address, and sends plain without any key', () => {
    const plan = planSend(
      input({ encrypt: false, ownKey: { status: 'invalid', fingerprint: 'AAAA', armoredPublic: 'ALICE' } }),
    );
    expect(plan).toEqual({ kind: 'ready', security: null });
  });

  it('a retry resumes what the failed try built, before any key check', () => {
    const prepared = { identityId: 'i', messageId: '<m@x>', copies: [] } as PreparedMessage;
    expect(planSend(input({ retry: { prepared }, keys: {} }))).toEqual({ kind: 'resume', prepared });
  });

  it('invalid addresses block even a retry', () => {
    const prepared = { identityId: 'i', messageId: '<m@x>', copies: [] } as PreparedMessage;
    expect(planSend(input({ retry: { prepared }, recipients: [{ invalid: 'x' }] }))).toMatchObject({
      kind: 'blocked',
      reason: 'invalid-addresses',
    });
  });
});
