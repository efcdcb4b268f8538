import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import * as dns from 'dns-packet';

export type DnsServer = { host: string; port: number };

export type DnsAnswer = {
  /** NOERROR, NXDOMAIN, SERVFAIL, … */
  rcode: string;
  /** The resolver says it validated the whole answer (DNSSEC AD bit). */
  ad: boolean;
  answers: dns.Answer[];
};

export class DnsError extends Error {
  constructor(
    readonly reason: 'timeout' | 'network' | 'bad-answer',
    message: string,
  ) {
    super(message);
  }
}

/** "host:port", "host" (port 53) or "[v6]:port". */
export function parseDnsServer(text: string): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text.trim());
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  const [host, port] = isIP(text.trim()) === 6 ? [text.trim(), '53'] : text.trim().split(':');
  if (!host || !isIP(host)) throw new Error(`Not a name server address: "${text}" (use host:port with an IP)`);
  return { host, port: Number(port ?? 53) };
}

const UDP_PAYLOAD = 1232;

function queryPacket(name: string, type: dns.RecordType, id: number): dns.Packet {
  return {
    type: 'query',
    id,
    // AD in a query asks the resolver to say whether it validated the answer (RFC 6840 §5.7).
    flags: dns.RECURSION_DESIRED | dns.AUTHENTIC_DATA,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD } as unknown as dns.Answer],
  };
}

function toAnswer(packet: dns.DecodedPacket): DnsAnswer {
  return {
    rcode: (packet as unknown as { rcode?: string }).rcode ?? 'NOERROR',
    ad: packet.flag_ad,
    answers: packet.answers ?? [],
  };
}

/** One UDP exchange; resolves with the decoded answer whose id and question match. */
function overUdp(server: DnsServer, packet: dns.Packet, timeoutMs: number): Promise<dns.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (error: Error | null, answer?: dns.DecodedPacket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => finish(new DnsError('timeout', `No answer from ${server.host}:${server.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (e) => finish(new DnsError('network', e.message)));
    socket.on('message', (message) => {
      let decoded: dns.DecodedPacket;
      try {
        decoded = dns.decode(message);
      } catch {
        return; // not a DNS answer: keep waiting for the real one
      }
      if (decoded.id !== packet.id || !sameQuestion(decoded, packet)) return; // a stray or spoofed answer
      finish(null, decoded);
    });
    socket.send(dns.encode(packet), server.port, server.host, (e) => e && finish(new DnsError('network', e.message)));
  });
}

/** One TCP exchange (RFC 7766), for answers too large for UDP. */
function overTcp(server: DnsServer, packet: dns.Packet, timeoutMs: number): Promise<dns.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let buffer = Buffer.alloc(0);
    let done = false;
    const finish = (error: Error | null, answer?: dns.DecodedPacket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => finish(new DnsError('timeout', `No TCP answer from ${server.host}:${server.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (e) => finish(new DnsError('network', e.message)));
    socket.on('connect', () => socket.write(dns.streamEncode(packet)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 2) return;
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) return;
      try {
        const decoded = dns.decode(buffer.subarray(2, 2 + length));
        if (decoded.id !== packet.id || !sameQuestion(decoded, packet))
          return finish(new DnsError('bad-answer', 'The TCP answer is for another query'));
        finish(null, decoded);
      } catch (e) {
        finish(new DnsError('bad-answer', `Unreadable DNS answer: ${(e as Error).message}`));
      }
    });
    socket.on('end', () => finish(new DnsError('network', 'The name server closed the connection')));
  });
}

function sameQuestion(answer: dns.Packet, query: dns.Packet): boolean {
  const a = answer.questions?.[0];
  const q = query.questions![0]!;
  return !!a && a.type === q.type && a.name.toLowerCase() === q.name.toLowerCase();
}

/**
 * A stub resolver for one recursive name server: UDP with a fresh random id, TCP when the answer
 * is truncated. Node's own `dns` shows neither the AD bit nor TLSA records (before Node 22.15).
 */
export function createDnsClient(options: { server: DnsServer; timeoutMs?: number }) {
  const timeoutMs = options.timeoutMs ?? 5000;
  return async function query(name: string, type: dns.RecordType): Promise<DnsAnswer> {
    const packet = queryPacket(name, type, randomInt(0, 0x10000));
    const udp = await overUdp(options.server, packet, timeoutMs);
    if (!udp.flag_tc) return toAnswer(udp);
    return toAnswer(await overTcp(options.server, packet, timeoutMs));
  };
}
