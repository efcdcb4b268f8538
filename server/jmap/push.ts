import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from './db';
import { getState, onStateChange, STATE_TYPES, type StateType } from './state';

/** Event sources one account may hold open at once; more answer 429 (a tab or two each, not thousands). */
export const MAX_EVENT_SOURCES_PER_ACCOUNT = 8;
/** Event sources the whole server holds open at once. */
export const MAX_EVENT_SOURCES = 500;
/** The ping interval a client may ask for is clamped to this range (RFC 8620 §7.3 allows it). */
const PING_MIN_S = 5;
const PING_MAX_S = 300;
/** Without pings asked for, a comment line this often still finds connections that died. */
const KEEPALIVE_S = 120;
/** A client that stops reading is dropped once this much waits to be written to it. */
const MAX_BUFFERED = 64 * 1024;

export type PushOptions = {
  db: Db;
  problem: (res: ServerResponse, status: number, body: Record<string, unknown>) => void;
};

/**
 * JMAP push over an event stream (RFC 8620 §7.3): `state` events with the states of the asked-for
 * types whenever one advances, `ping` events at the asked-for interval, closing after the first
 * state event with `closeafter=state`. Open streams are limited per account and in all.
 */
export function createEventSources(options: PushOptions) {
  const { db, problem } = options;
  const open = new Map<string, number>();
  const streams = new Set<() => void>();
  let total = 0;

  function handleEventSource(req: IncomingMessage, res: ServerResponse, accountId: string, url: URL): void {
    const typesParam = url.searchParams.get('types') ?? '*';
    const types: StateType[] =
      typesParam === '*' || typesParam === ''
        ? [...STATE_TYPES]
        : (typesParam.split(',').filter((t) => (STATE_TYPES as string[]).includes(t)) as StateType[]);
    const closeAfter = url.searchParams.get('closeafter') ?? 'no';
    const ping = Number(url.searchParams.get('ping') ?? '0');
    if (!['state', 'no'].includes(closeAfter) || !Number.isInteger(ping) || ping < 0) {
      return problem(res, 400, {
        type: 'about:blank',
        detail: 'closeafter must be "state" or "no", and ping a whole number of seconds (0 for none)',
      });
    }
    const mine = open.get(accountId) ?? 0;
    if (mine >= MAX_EVENT_SOURCES_PER_ACCOUNT || total >= MAX_EVENT_SOURCES) {
      return problem(res, 429, {
        type: 'about:blank',
        detail: `At most ${MAX_EVENT_SOURCES_PER_ACCOUNT} event sources at once per account`,
      });
    }
    open.set(accountId, mine + 1);
    total++;

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    const interval = ping > 0 ? Math.min(PING_MAX_S, Math.max(PING_MIN_S, ping)) : 0;
    const sent = new Map(types.map((t) => [t, getState(db, accountId, t)]));
    let closed = false;

    const write = (chunk: string) => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED) close(true);
    };
    const unsubscribe = onStateChange(db, (changedAccount) => {
      if (changedAccount !== accountId || closed) return;
      const changed: Record<string, string> = {};
      for (const type of types) {
        const state = getState(db, accountId, type);
        if (sent.get(type) !== state) changed[type] = state;
        sent.set(type, state);
      }
      if (!Object.keys(changed).length) return;
      write(`event: state\ndata: ${JSON.stringify({ '@type': 'StateChange', changed: { [accountId]: changed } })}\n\n`);
      if (closeAfter === 'state') close(false);
    });
    const timer = setInterval(
      () => write(interval ? `event: ping\ndata: ${JSON.stringify({ interval })}\n\n` : ':\n\n'),
      (interval || KEEPALIVE_S) * 1000,
    );
    timer.unref();

    function close(destroy: boolean) {
      if (closed) return;
      closed = true;
      streams.delete(end);
      unsubscribe();
      clearInterval(timer);
      const left = (open.get(accountId) ?? 1) - 1;
      if (left > 0) open.set(accountId, left);
      else open.delete(accountId);
      total--;
      if (destroy) res.destroy();
      else res.end();
    }
    const end = () => close(false);
    streams.add(end);
    res.on('close', end);
    // A comment first, so proxies and the client see the stream open at once.
    write(':\n\n');
  }

  return {
    handle: handleEventSource,
    /** Ends every open stream (the server is shutting down: they would keep it waiting). */
    closeAll: () => [...streams].forEach((end) => end()),
  };
}
