import { type Key, readKeys } from 'openpgp';
import { AppError } from '../../errors/app-error';
import { crc24 } from './armor';
import { openpgpErrorText } from './openpgp-errors';

/** Bulk imports may be large (thousands of keys); single keys are capped separately. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const BLOCK = /-----BEGIN PGP ([A-Z ,/0-9]+)-----\r?\n([\s\S]*?)-----END PGP \1-----/g;

const base64Bytes = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * Check one armor block's body: headers, base64 and the optional checksum.
 * Security: a checksum that does not match means the key was damaged in transit; we refuse it
 * rather than import whatever the damaged bytes decode to.
 */
function checkArmorBody(body: string, label: string): void {
  const lines = body.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() !== '' && /^[A-Za-z][\w-]*: /.test(lines[i]!)) i++; // armor headers
  if (lines[i]?.trim() === '') i++;
  let base64 = '';
  let checksum: string | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    if (line.startsWith('=') && line.length === 5) {
      checksum = line.slice(1);
      break;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(line))
      throw new AppError('keys/bad-armor', `Bad base64 line in ${label}`, {
        detail: 'A line of the armored text is not valid base64.',
      });
    base64 += line;
  }
  let data: Uint8Array;
  try {
    data = base64Bytes(base64);
  } catch (cause) {
    throw new AppError('keys/bad-armor', `Undecodable base64 in ${label}`, { cause });
  }
  if (data.length === 0)
    throw new AppError('keys/bad-armor', `Empty ${label}`, { detail: 'The armored block is empty.' });
  if (checksum !== null) {
    let expected: number;
    try {
      const c = base64Bytes(checksum);
      expected = (c[0]! << 16) | (c[1]! << 8) | c[2]!;
    } catch (cause) {
      throw new AppError('keys/bad-checksum', 'Undecodable checksum', { cause });
    }
    if (crc24(data) !== expected) throw new AppError('keys/bad-checksum', `CRC24 mismatch in ${label}`);
  }
}

async function readOrFail(options: { armoredKeys: string } | { binaryKeys: Uint8Array }, what: string): Promise<Key[]> {
  try {
    return await readKeys(options as { armoredKeys: string });
  } catch (cause) {
    throw new AppError(
      'armoredKeys' in options ? 'keys/bad-armor' : 'keys/not-openpgp',
      `${what}: ${openpgpErrorText(cause)}`,
      {
        cause,
        detail:
          'armoredKeys' in options ? 'The armor decodes, but what is inside is not a valid OpenPGP key.' : undefined,
      },
    );
  }
}

const isArmoredText = (bytes: Uint8Array) => {
  const head = new TextDecoder().decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
  return /-----BEGIN PGP /.test(head);
};

/**
 * All keys in pasted text or a file: armored (one or several blocks) or binary. Whole-input
 * problems throw an AppError that names them; nothing is half-read.
 */
export async function parseKeyData(input: string | Uint8Array): Promise<Key[]> {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size === 0 || (typeof input === 'string' && !input.trim())) throw new AppError('keys/empty', 'No key data');
  if (size > MAX_INPUT_BYTES)
    throw new AppError('keys/too-large', `Input of ${size} bytes`, {
      detail: `At most ${MAX_INPUT_BYTES / 1024 / 1024} MiB can be imported at once.`,
    });
  if (typeof input !== 'string' && !isArmoredText(input)) {
    if ((input[0]! & 0x80) === 0)
      throw new AppError('keys/not-openpgp', 'Binary input without an OpenPGP packet header');
    return readOrFail({ binaryKeys: input }, 'Binary keys');
  }
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) {
    if (/-----BEGIN PGP /.test(text))
      throw new AppError('keys/bad-armor', 'Armor without a matching end line', {
        detail: 'The armored text is cut off or has no matching END line.',
      });
    throw new AppError('keys/not-openpgp', 'No armor found');
  }
  const keys: Key[] = [];
  for (const [whole, label, body] of blocks) {
    if (label !== 'PUBLIC KEY BLOCK' && label !== 'PRIVATE KEY BLOCK') {
      throw new AppError('keys/not-a-key', `Armor type ${label}`, { detail: `It is a "PGP ${label}".` });
    }
    checkArmorBody(body!, label);
    const found = await readOrFail({ armoredKeys: whole }, label);
    if (label === 'PUBLIC KEY BLOCK' && found.some((k) => k.isPrivate())) {
      throw new AppError('keys/armor-mismatch', 'Secret key in a public key armor', {
        detail: 'A PUBLIC KEY BLOCK contains secret key material; nothing was imported.',
      });
    }
    if (label === 'PRIVATE KEY BLOCK' && found.some((k) => !k.isPrivate())) {
      throw new AppError('keys/armor-mismatch', 'Public key in a private key armor', {
        detail: 'A PRIVATE KEY BLOCK contains a key without secret material; nothing was imported.',
      });
    }
    keys.push(...found);
  }
  return keys;
}
