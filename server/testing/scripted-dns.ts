import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import * as dns from 'dns-packet';

/** What the scripted server answers for one name and type. */
export type ScriptedAnswer = {
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  ad?: boolean;
  answers?: dns.Answer[];
  /** Answer over UDP with TC set and nothing in it: the client must ask again over TCP. */
  truncate?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer. */
  silent?: boolean;
};

const key = (name: string, type: string) => `${name.toLowerCase().replace(/\.$/, '')}/${type}`;

/**
 * A DNS server for tests on 127.0.0.1 (UDP and TCP on one port) that answers from a script, with
 * the AD bit set or clear as told, NXDOMAIN for anything not scripted.
 */
export async function startScriptedDns(script: Record<string, ScriptedAnswer> = {}) {
  const entries = new Map(
    Object.entries(script).map(([k, v]) => [key(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)), v]),
  );
  const queries: string[] = [];
  const answer = async (query: dns.DecodedPacket, tcp: boolean): Promise<Buffer | null> => {
    const q = query.questions?.[0];
    if (!q) return null;
    queries.push(`${key(q.name, q.type)}${tcp ? ' (tcp)' : ''}`);
    const scripted = entries.get(key(q.name, q.type)) ?? { rcode: 'NXDOMAIN', ad: true };
    if (scripted.silent) return null;
    if (scripted.delayMs) await new Promise((ok) => setTimeout(ok, scripted.delayMs));
    const truncated = !!scripted.truncate && !tcp;
    const flags =
      dns.RECURSION_AVAILABLE |
      (scripted.ad ? dns.AUTHENTIC_DATA : 0) |
      (truncated ? dns.TRUNCATED_RESPONSE : 0) |
      (({ NOERROR: 0, NXDOMAIN: 3, SERVFAIL: 2 } as const)[scripted.rcode ?? 'NOERROR'] ?? 0);
    return dns.encode({
      type: 'response',
      id: query.id,
      flags,
      questions: query.questions,
      answers: truncated ? [] : (scripted.answers ?? []),
    });
  };

  const udp = createSocket('udp4');
  udp.on('message', (message, from) => {
    let query: dns.DecodedPacket;
    try {
      query = dns.decode(message);
    } catch {
      return;
    }
    void answer(query, false).then((out) => out && udp.send(out, from.port, from.address));
  });
  await new Promise<void>((ok) => udp.bind(0, '127.0.0.1', ok));
  const port = udp.address().port;

  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const query = dns.decode(buffer.subarray(2, 2 + length));
        buffer = buffer.subarray(2 + length);
        void answer(query, true).then((out) => {
          if (!out) return;
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          socket.write(framed);
        });
      }
    });
  });
  await new Promise<void>((ok) => tcp.listen(port, '127.0.0.1', ok));

  return {
    address: `127.0.0.1:${port}`,
    /** Every question asked, as `name/TYPE`, with " (tcp)" for TCP. */
    queries,
    set(name: string, type: string, scripted: ScriptedAnswer) {
      entries.set(key(name, type), scripted);
    },
    async close() {
      sockets.forEach((s) => s.destroy());
      udp.close();
      await new Promise<void>((ok) => tcp.close(() => ok()));
    },
  };
}

export type ScriptedDns = Awaited<ReturnType<typeof startScriptedDns>>;
