import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadRecipientParser } from '@/lib/recipient-parser';
import { resetComposer, useComposerStore } from './composer-store';

const state = () => useComposerStore.getState();
const keys = (field: 'to' | 'cc' | 'bcc') => state().recipients[field].map((c) => c.key);

describe('composer recipients', () => {
  beforeAll(async () => {
    await loadRecipientParser();
  });
  beforeEach(resetComposer);

  it('an entry finished before the address parser has arrived waits for it, then becomes a chip', async () => {
    vi.resetModules(); // a page that has just started: the parser is not loaded yet
    const fresh = await import('./composer-store');
    const parser = await import('@/lib/recipient-parser');
    const now = () => fresh.useComposerStore.getState();
    expect(parser.recipientParser()).toBeNull();
    now().updateRecipientText('to', 'bob@example.test, car');
    expect([now().recipients.to, now().pending.to]).toEqual([[], 'bob@example.test, car']);
    await parser.loadRecipientParser();
    await Promise.resolve();
    expect(now().recipients.to.map((c) => c.key)).toEqual(['bob@example.test']);
    expect(now().pending.to).toBe('car');
  });

  it('turns complete entries into chips and keeps the unfinished rest', () => {
    state().updateRecipientText('to', 'Bob <bob@example.test>, "Doe, Jane" <jane@example.test>; car');
    expect(keys('to')).toEqual(['bob@example.test', 'jane@example.test']);
    expect(state().pending.to).toBe('car');
  });

  it('commits the rest on Enter/blur and marks non-addresses invalid', () => {
    state().updateRecipientText('cc', 'not an address', true);
    expect(state().recipients.cc[0]).toMatchObject({ valid: false, input: 'not an address' });
    expect(state().pending.cc).toBe('');
  });

  it('keeps one chip per address in a field, case-insensitively', () => {
    state().updateRecipientText('to', 'bob@example.test, BOB@Example.Test\n', true);
    expect(keys('to')).toEqual(['bob@example.test']);
    state().updateRecipientText('bcc', 'bob@example.test', true);
    expect(keys('bcc')).toEqual(['bob@example.test']);
  });

  it('does not split inside quotes or angle brackets while typing', () => {
    state().updateRecipientText('to', '"Doe, Jane" <jane@exa');
    expect(keys('to')).toEqual([]);
    expect(state().pending.to).toBe('"Doe, Jane" <jane@exa');
  });

  it('typing in a field is an edit (autosave keeps half-typed addresses); a reopened draft gets its chips and typing back', () => {
    const before = state().revision;
    state().updateRecipientText('to', 'bob@exa');
    expect(state().revision).toBe(before + 1);
    state().updateRecipientText('to', 'bob@exa');
    expect(state().revision).toBe(before + 1); // nothing changed
    state().loadDraft({
      fromIdentityId: null,
      to: ['bob@example.test', 'not an address'],
      cc: [],
      bcc: [],
      pending: { to: '', cc: 'dan@exa', bcc: '' },
      subject: '',
      body: '',
      files: [],
      messageId: null,
      encryptChoice: null,
      signChoice: null,
      draftId: 'd1',
    });
    expect(state().recipients.to.map((c) => [c.valid, c.input])).toEqual([
      [true, 'bob@example.test'],
      [false, 'not an address'],
    ]);
    expect(state().pending).toEqual({ to: '', cc: 'dan@exa', bcc: '' });
  });
});

const releasedMessages = vi.hoisted(() => [] as unknown[]);
vi.mock('@/core/send/deliver', () => ({
  releasePrepared: (prepared: unknown) => void releasedMessages.push(prepared),
}));

describe('the message prepared for a retry', () => {
  beforeEach(resetComposer);

  it('lets its spool files go when it is replaced or dropped, never while it is kept', async () => {
    const prepared = (spool: string) => ({
      identityId: 'I',
      messageId: `<${spool}@x>`,
      copies: [
        {
          bytes: new Blob(['m']),
          envelope: { mailFrom: 'a@x', rcptTo: ['b@x'] },
          keepInSent: true,
          spools: [spool],
        },
      ],
    });
    const first = prepared('first');
    const second = prepared('second');
    releasedMessages.length = 0;
    state().setOutgoing({ revision: 1, prepared: first });
    state().setOutgoing({ revision: 2, prepared: first });
    state().setSubject('edited');
    await new Promise((ok) => setTimeout(ok, 10));
    expect(releasedMessages).toEqual([]);
    state().setOutgoing({ revision: 3, prepared: second });
    await vi.waitFor(() => expect(releasedMessages).toEqual([first]));
    resetComposer();
    await vi.waitFor(() => expect(releasedMessages).toEqual([first, second]));
  });
});
