import { describe, expect, it } from 'vitest';
import { answer } from './reply';
import type { OpenedMessage } from './types';

const opened = (
  over: Partial<OpenedMessage['headers']> = {},
): Pick<OpenedMessage, 'headers' | 'parts' | 'attachments' | 'encryption'> => ({
  encryption: 'encrypted',
  headers: {
    from: [{ name: 'Alice', address: 'alice@example.org' }],
    severalFrom: false,
    to: [
      { name: 'Bob', address: 'Bob@example.org' },
      { name: null, address: 'carol@example.org' },
    ],
    cc: [
      { name: null, address: 'bob-alias@example.org' },
      { name: null, address: 'dave@example.org' },
    ],
    replyTo: [],
    subject: 'Re: RE: Plans',
    date: '2026-12-01T10:00:00.000Z',
    messageId: '<m2@example.org>',
    inReplyTo: ['<m1@example.org>'],
    references: ['<m1@example.org>'],
    ...over,
  },
  parts: [{ kind: 'text', content: 'Line one\n\nLine two\n', encrypted: true, signed: true }],
  attachments: [
    {
      name: 'a.bin',
      type: 'application/octet-stream',
      size: 1,
      contentId: null,
      content: new Uint8Array([1]),
      encrypted: true,
      signed: true,
    },
  ],
});

const own = ['bob@example.org', 'bob-alias@example.org'];

describe('answers', () => {
  it('Reply: to the sender, one "Re:", threaded, quoted, encrypted like the original', () => {
    const a = answer(opened(), 'reply', own);
    expect(a.to.map((m) => m.address)).toEqual(['alice@example.org']);
    expect(a.cc).toEqual([]);
    expect(a.subject).toBe('Re: Plans');
    expect(a.inReplyTo).toEqual(['<m2@example.org>']);
    expect(a.references).toEqual(['<m1@example.org>', '<m2@example.org>']);
    expect(a.quote).toContain('> Line one\n>\n> Line two');
    expect(a.encrypt).toBe(true);
    expect(a.ownAddress).toBe('Bob@example.org');
    expect(a.keyword).toBe('$answered');
  });

  it('Reply all never adds the user’s own addresses; Reply-To wins over From', () => {
    const a = answer(opened({ replyTo: [{ name: null, address: 'list@example.org' }] }), 'reply-all', own);
    expect(a.to.map((m) => m.address)).toEqual(['list@example.org']);
    expect(a.cc.map((m) => m.address)).toEqual(['carol@example.org', 'dave@example.org']);
  });

  it('an answer to one’s own sent message goes to its recipients', () => {
    const a = answer(opened({ from: [{ name: null, address: 'bob@example.org' }] }), 'reply', own);
    expect(a.to.map((m) => m.address)).toEqual(['Bob@example.org', 'carol@example.org']);
  });

  it('Forward: "Fwd:", the text inline, attachments carried over, not threaded', () => {
    const a = answer(opened({ subject: 'Fwd: Plans' }), 'forward', own);
    expect(a.subject).toBe('Fwd: Plans');
    expect(a.to).toEqual([]);
    expect(a.quote).toContain('---------- Forwarded message ----------');
    expect(a.quote).toContain('Line one\n\nLine two');
    expect(a.attachments.map((x) => x.name)).toEqual(['a.bin']);
    expect(a.keyword).toBe('$forwarded');
    expect(answer({ ...opened(), encryption: 'none' }, 'forward', own).encrypt).toBeNull();
  });
});
