import { emailImport } from './email-import';
import { emailChanges, emailGet, emailQuery, emailSet } from './emails';
import { identityGet, mailboxGet, mailboxQuery, threadGet } from './mailboxes';
import {
  type Args,
  type Invocation,
  isRecord,
  MethodError,
  type MethodContext,
  type MethodHandler,
  resolveResultReferences,
} from './method-kit';
import { emailSubmissionGet, emailSubmissionQuery, emailSubmissionSet } from './submission';

export const CAPABILITIES = {
  core: 'urn:ietf:params:jmap:core',
  mail: 'urn:ietf:params:jmap:mail',
  submission: 'urn:ietf:params:jmap:submission',
} as const;

const METHODS: Record<string, { capability: string; handler: MethodHandler }> = {
  'Core/echo': { capability: CAPABILITIES.core, handler: (args) => [['Core/echo', args]] },
  'Mailbox/get': { capability: CAPABILITIES.mail, handler: mailboxGet },
  'Mailbox/query': { capability: CAPABILITIES.mail, handler: mailboxQuery },
  'Thread/get': { capability: CAPABILITIES.mail, handler: threadGet },
  'Email/get': { capability: CAPABILITIES.mail, handler: emailGet },
  'Email/query': { capability: CAPABILITIES.mail, handler: emailQuery },
  'Email/changes': { capability: CAPABILITIES.mail, handler: emailChanges },
  'Email/set': { capability: CAPABILITIES.mail, handler: emailSet },
  'Email/import': { capability: CAPABILITIES.mail, handler: emailImport },
  'Identity/get': { capability: CAPABILITIES.submission, handler: identityGet },
  'EmailSubmission/get': { capability: CAPABILITIES.submission, handler: emailSubmissionGet },
  'EmailSubmission/set': { capability: CAPABILITIES.submission, handler: emailSubmissionSet },
  'EmailSubmission/query': { capability: CAPABILITIES.submission, handler: emailSubmissionQuery },
};

/** A request-level error (RFC 8620 §3.6.1), answered as RFC 7807 problem details. */
export class RequestError extends Error {
  constructor(
    readonly type: 'unknownCapability' | 'notJSON' | 'notRequest' | 'limit',
    readonly detail: string,
    readonly limit?: string,
  ) {
    super(detail);
  }
  toProblem() {
    return {
      type: `urn:ietf:params:jmap:error:${this.type}`,
      status: 400,
      detail: this.detail,
      ...(this.limit ? { limit: this.limit } : {}),
    };
  }
}

/** Objects one /set (create, update, destroy together) or Email/import names (RFC 8620 §5.3 maxObjectsInSet). */
function objectsInSet(name: string, args: Args): number {
  const count = (v: unknown) => (Array.isArray(v) ? v.length : isRecord(v) ? Object.keys(v).length : 0);
  if (name === 'Email/import') return count(args.emails);
  if (!name.endsWith('/set')) return 0;
  return count(args.create) + count(args.update) + count(args.destroy);
}

const isInvocation = (v: unknown): v is Invocation =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && isRecord(v[1]) && typeof v[2] === 'string';

/** Run a parsed JMAP request (RFC 8620 §3.3-3.6); calls run in order and see earlier results. */
export async function processRequest(
  body: unknown,
  ctx: Omit<MethodContext, 'createdIds'>,
  sessionState: string,
): Promise<Args> {
  if (!isRecord(body) || !Array.isArray(body.using) || !Array.isArray(body.methodCalls)) {
    throw new RequestError('notRequest', 'The body must be a JMAP Request object with using and methodCalls');
  }
  if (!body.using.every((u) => typeof u === 'string') || !body.methodCalls.every(isInvocation)) {
    throw new RequestError(
      'notRequest',
      'using must hold strings and methodCalls must hold [name, arguments, callId] triples',
    );
  }
  const known = new Set<string>(Object.values(CAPABILITIES));
  const unknown = (body.using as string[]).filter((u) => !known.has(u));
  if (unknown.length) throw new RequestError('unknownCapability', `Unsupported capabilities: ${unknown.join(', ')}`);
  if (body.methodCalls.length > ctx.limits.maxCallsInRequest) {
    throw new RequestError(
      'limit',
      `At most ${ctx.limits.maxCallsInRequest} method calls per request`,
      'maxCallsInRequest',
    );
  }
  const createdIds = new Map<string, string>(
    isRecord(body.createdIds)
      ? (Object.entries(body.createdIds).filter(([, v]) => typeof v === 'string') as [string, string][])
      : [],
  );
  const using = new Set(body.using as string[]);
  const responses: Invocation[] = [];
  let responseBytes = 0;
  for (const [name, rawArgs, callId] of body.methodCalls as Invocation[]) {
    try {
      const method = METHODS[name];
      if (!method || !using.has(method.capability))
        throw new MethodError('unknownMethod', `${name} is not supported or its capability is not in using`);
      const args = resolveResultReferences(rawArgs, responses);
      if (objectsInSet(name, args) > ctx.limits.maxObjectsInSet) {
        throw new MethodError('requestTooLarge', `At most ${ctx.limits.maxObjectsInSet} objects per ${name}`);
      }
      for (const [respName, respArgs] of await method.handler(args, { ...ctx, createdIds })) {
        // Result references share objects between responses: the serialised size is what counts.
        responseBytes += JSON.stringify(respArgs).length;
        if (responseBytes > ctx.limits.maxSizeResponse) {
          throw new RequestError(
            'limit',
            `Responses are limited to ${ctx.limits.maxSizeResponse} bytes`,
            'maxSizeResponse',
          );
        }
        responses.push([respName, respArgs, callId]);
      }
    } catch (e) {
      if (e instanceof RequestError) throw e;
      if (e instanceof MethodError) responses.push(['error', e.toArgs(), callId]);
      else {
        console.error(`[jmap] ${name} failed:`, e);
        responses.push(['error', { type: 'serverFail', description: 'Internal error' }, callId]);
      }
    }
  }
  return {
    methodResponses: responses,
    sessionState,
    ...(isRecord(body.createdIds) ? { createdIds: Object.fromEntries(createdIds) } : {}),
  };
}
