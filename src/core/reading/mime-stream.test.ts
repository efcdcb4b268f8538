import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../mime/base64';
import { Base64BlobSink, MimeSkeleton, type StreamedLeaf } from './mime-stream';
import { byteString, header, type MimeEntity, parseEntity } from './mime-tree';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

function randomBase64(length: number, seed: number): string {
  const data = new Uint8Array(length).map((_, i) => (i * 131 + seed * 17 + ((i * i) >> 3)) & 0xff);
  return Buffer.from(data).toString('base64').replace(/.{76}/g, '$&\r\n');
}

const SAMPLES: Record<string, string> = {
  'a payload as the app sends it':
    crlf(
      `Content-Type: multipart/mixed; boundary="b1"; protected-headers="v1"\nSubject: Hi\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nHello\n-- \nBob\n--b1\nContent-Type: application/octet-stream; name="a.bin"\nContent-Disposition: attachment; filename="a.bin"\nContent-Transfer-Encoding: base64\n\n`,
    ) + `${randomBase64(5000, 1)}\r\n--b1--\r\n`,
  'LF line ends, nesting, preamble, epilogue, near-delimiters': `Content-Type: multipart/mixed; boundary=b1\n\npreamble --b1 not here\n--b1  \nContent-Type: multipart/alternative; boundary="b2"\n\n--b2\nContent-Type: text/plain\n\n--b1x is not a delimiter\n--\n- -\n--b2\nContent-Type: text/html\n\n<p>--b2--</p>\n--b2--\ninner epilogue\n--b1\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n${randomBase64(300, 2).replace(/\r\n/g, '\n')}\n--b1--\nepilogue\n--b1\nafter the end\n`,
  'an outer delimiter ends an unclosed inner multipart': crlf(
    `Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n${randomBase64(900, 3)}\n--o\nContent-Type: text/plain\n\nlast\n--o--\n`,
  ),
  'no closing delimiter: the last part runs to the end': crlf(
    `Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n${randomBase64(2000, 4)}`,
  ),
  'base64 with junk, padding inside and a dangling character': crlf(
    `Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC=AwQF\n  *BgcI ~\nCQoLDA==\nDQ4PE\n--x--\n`,
  ),
  'empty bodies and a part without a blank line': crlf(
    `Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n--x\nContent-Type: text/plain\n--x\n\n--x--`,
  ),
  'a signed message, LF line ends and a lone CR, a file inside the signed part': `Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary=s\n\n--s\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nline one\r\nline\rtwo\n\n--m\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${randomBase64(700, 6).replace(/\r\n/g, '\n')}\n--m--\n\n--s\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\nAAAA\n-----END PGP SIGNATURE-----\n--s--\n`,
  'a signed part ending in a file, no closing delimiter': crlf(
    `Content-Type: multipart/signed; boundary=s\n\n--s\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${randomBase64(400, 7)}\n\n--s\nContent-Type: application/pgp-signature\n\nsig`,
  ),
  'a single base64 leaf': crlf(
    `Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${randomBase64(1000, 5)}`,
  ),
};

const takeBase64 = (leaf: Pick<StreamedLeaf, 'headers'>) =>
  header(leaf, 'content-transfer-encoding')?.toLowerCase() === 'base64';

/**
 * The skeleton of `raw` written in the given pieces, with base64 bodies taken when `take`, and the
 * first part of a multipart root captured.
 */
function skeleton(raw: Uint8Array, cuts: number[], take: boolean) {
  const files = new Map<string, Base64BlobSink>();
  let n = 0;
  const firstPart: Uint8Array[] = [];
  const s = new MimeSkeleton(
    (leaf) => {
      if (!take || !takeBase64(leaf)) return null;
      const sink = new Base64BlobSink();
      const stand = `STAND${n++}`;
      files.set(stand, sink);
      return { sink, stand };
    },
    () => ({ write: (b) => void firstPart.push(b.slice()), close: () => {} }),
  );
  let at = 0;
  for (const cut of [...cuts, raw.length]) {
    s.write(raw.subarray(at, cut));
    at = cut;
  }
  const result = s.end();
  return { skeleton: result, files, firstPart: byteString(Buffer.concat(firstPart)), captured: s.captured };
}

/** The root's first part as parseEntity finds it, line ends made CRLF (as a signature covers it). */
function expectedFirstPart(text: string, e: MimeEntity) {
  const first = e.children[0];
  if (!first) return null;
  return { bytes: text.slice(first.start, first.end).replace(/\r?\n/g, '\r\n'), start: first.start, end: first.end };
}

type Shape = { type: string; headers: [string, string][]; body?: string; children: Shape[] };
const shape = (text: string, e: MimeEntity): Shape => ({
  type: e.type,
  headers: e.headers,
  ...(e.children.length ? {} : { body: text.slice(e.bodyStart, e.end) }),
  children: e.children.map((c) => shape(text, c)),
});

/** The original's shape, with each base64 body as its decoded bytes in hex. */
function expectedShape(raw: string): Shape {
  const decode = (s: Shape): Shape => ({
    ...s,
    ...(s.body !== undefined && takeBase64(s) ? { body: Buffer.from(decodeBase64(s.body)).toString('hex') } : {}),
    children: s.children.map(decode),
  });
  return decode(shape(raw, parseEntity(raw)));
}

async function skeletonShape(result: ReturnType<typeof skeleton>): Promise<Shape> {
  const text = byteString(result.skeleton);
  const resolve = async (s: Shape): Promise<Shape> => {
    const sink = s.body !== undefined ? result.files.get(s.body) : undefined;
    return {
      ...s,
      ...(sink ? { body: Buffer.from(await sink.result().arrayBuffer()).toString('hex') } : {}),
      children: await Promise.all(s.children.map(resolve)),
    };
  };
  return resolve(shape(text, parseEntity(text)));
}

describe('reading MIME as it arrives (MimeSkeleton)', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`${name}: every cut gives the bytes back, and the same parse with bodies taken out`, async () => {
      const raw = bytes(text);
      const want = expectedShape(text);
      const cutsList: number[][] = [[]];
      for (let cut = 1; cut < raw.length; cut += raw.length > 3000 ? 7 : 1) cutsList.push([cut]);
      for (let i = 0; i < 40; i++)
        cutsList.push(
          Array.from({ length: 6 }, (_, k) => Math.floor(((i * 7919 + k * 104729) % 1000) * (raw.length / 1000))).sort(
            (a, b) => a - b,
          ),
        );
      const wantFirst = expectedFirstPart(text, parseEntity(text));
      for (const cuts of cutsList) {
        const kept = skeleton(raw, cuts, false);
        expect(byteString(kept.skeleton), `cuts ${cuts}`).toBe(text);
        const taken = skeleton(raw, cuts, true);
        expect(await skeletonShape(taken), `cuts ${cuts}`).toEqual(want);
        // The first part's bytes came out as they are in the message, and its place in the skeleton is parseEntity's.
        for (const result of [kept, taken]) {
          const inSkeleton = expectedFirstPart(byteString(result.skeleton), parseEntity(byteString(result.skeleton)));
          expect(wantFirst && { bytes: result.firstPart, ...result.captured }, `cuts ${cuts}`).toEqual(
            wantFirst && { ...wantFirst, start: inSkeleton!.start, end: inSkeleton!.end },
          );
        }
      }
      // Something was taken out wherever there was a base64 body, and the skeleton is that much smaller.
      const taken = skeleton(raw, [], true);
      if (/base64/i.test(text) && text.length > 3000) expect(taken.skeleton.length).toBeLessThan(raw.length / 2);
    });
  }

  it('a 5 MB attachment (more than one Blob piece) leaves a skeleton of a few hundred bytes', async () => {
    const body = randomBase64(5 * 1024 * 1024, 9);
    const text =
      crlf(
        `Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n`,
      ) + `${body}\r\n--b--\r\n`;
    const raw = bytes(text);
    const cuts = Array.from({ length: Math.floor(raw.length / 65536) }, (_, i) => (i + 1) * 65536 - (i % 5));
    const { skeleton: s, files } = skeleton(raw, cuts, true);
    expect(s.length).toBeLessThan(400);
    const blob = files.get('STAND0')!.result();
    expect(blob.size).toBe(5 * 1024 * 1024);
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(decodeBase64(body)))).toBe(true);
  });

  it('a hostile endless line (in a header, or starting with "--" in a body) is kept, joined once', () => {
    const header = `X-Long: ${'a'.repeat(4 * 1024 * 1024)}`;
    const dashes = `--${'-'.repeat(100_000)}`;
    const text = crlf(`${header}\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n${dashes}\n--b--\n`);
    const raw = bytes(text);
    const cuts = Array.from({ length: Math.floor(raw.length / 4096) }, (_, i) => (i + 1) * 4096);
    const { skeleton: s } = skeleton(raw, cuts, true);
    expect(s.length).toBe(raw.length);
    expect(Buffer.from(s).equals(Buffer.from(raw))).toBe(true);
  });
});
