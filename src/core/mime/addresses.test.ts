import { describe, expect, it } from 'vitest';
import { formatMailbox, splitRecipientInput } from './addresses';
import { parseRecipient } from './recipient-parser';

describe('splitRecipientInput', () => {
  it('splits at comma, semicolon and line breaks and keeps the unfinished rest', () => {
    expect(splitRecipientInput('a@x.org, b@x.org;c@x.org\nd@x.org, e@')).toEqual({
      complete: ['a@x.org', 'b@x.org', 'c@x.org', 'd@x.org'],
      rest: ' e@',
    });
  });
  it('does not split inside quotes, angle brackets or comments', () => {
    const { complete, rest } = splitRecipientInput(
      '"Doe, Jane" <jane@x.org>, Bob (the, boss) <b@x.org>; <odd,addr@x.org>,',
    );
    expect(complete).toEqual(['"Doe, Jane" <jane@x.org>', 'Bob (the, boss) <b@x.org>', '<odd,addr@x.org>']);
    expect(rest).toBe('');
  });
  it('handles escaped quotes inside a quoted name', () => {
    expect(splitRecipientInput('"A \\"q, x\\"" <a@x.org>,').complete).toEqual(['"A \\"q, x\\"" <a@x.org>']);
  });
  it('returns nothing complete without a separator', () => {
    expect(splitRecipientInput('bob@example.org')).toEqual({ complete: [], rest: 'bob@example.org' });
  });
});

describe('parseRecipient', () => {
  it('parses a bare address and a named one', () => {
    expect(parseRecipient('bob@example.test')).toMatchObject({
      valid: true,
      mailbox: { name: null, address: 'bob@example.test' },
    });
    expect(parseRecipient('"Doe, Jane" <Jane.Doe@Example.ORG>')).toMatchObject({
      valid: true,
      key: 'jane.doe@example.org',
      mailbox: { name: 'Doe, Jane', address: 'Jane.Doe@Example.ORG' },
    });
  });
  it('accepts UTF-8 display names and local parts (RFC 6532)', () => {
    expect(parseRecipient('Jürgen Müller <jürgen@example.de>')).toMatchObject({
      valid: true,
      mailbox: { name: 'Jürgen Müller' },
    });
  });
  it.each([
    'not an address',
    'bob@',
    '@example.org',
    'bob@localhost',
    'bob@exa mple.org',
    'a@b@c.org',
    'bob@-x.org',
    'Group: a@x.org;',
  ])('rejects %s with a reason', (input) => {
    const r = parseRecipient(input);
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.reason.length).toBeGreaterThan(5);
  });
});

describe('formatMailbox', () => {
  it('quotes names with specials and escapes quotes', () => {
    expect(formatMailbox({ name: 'Doe, Jane', address: 'j@x.org' })).toBe('"Doe, Jane" <j@x.org>');
    expect(formatMailbox({ name: 'Say "hi"', address: 'j@x.org' })).toBe('"Say \\"hi\\"" <j@x.org>');
    expect(formatMailbox({ name: 'Bob', address: 'b@x.org' })).toBe('Bob <b@x.org>');
    expect(formatMailbox({ name: null, address: 'b@x.org' })).toBe('b@x.org');
  });
});
