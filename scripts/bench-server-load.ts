export {};

/**
 * The load of `npm run bench:server`, from a process of its own (so its work does not count as the
 * server's): 50 failed sign-ins at once and a 20-address WKD batch against a name server that never
 * answers, while a normal user loads the app and sends a message. Prints one JSON line.
 */
const base = process.argv[2]!;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice@example.test', 'alice-pass');

async function normalUser(): Promise<{ ok: boolean; ms: number; detail: string }> {
  const started = performance.now();
  try {
    const page = await fetch(new URL('/', base));
    const html = await page.text();
    for (const asset of html.match(/\/assets\/[^"']+\.js/g) ?? [])
      await (await fetch(new URL(asset, base))).arrayBuffer();
    const session = (await (
      await fetch(new URL('/.well-known/jmap', base), { headers: { Authorization: ALICE } })
    ).json()) as {
      apiUrl: string;
      uploadUrl: string;
      primaryAccounts: Record<string, string>;
    };
    const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail']!;
    const api = async (methodCalls: unknown[]) =>
      (await (
        await fetch(session.apiUrl, {
          method: 'POST',
          headers: { Authorization: ALICE, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission'],
            methodCalls,
          }),
        })
      ).json()) as { methodResponses: [string, Record<string, unknown>, string][] };
    const boxes = (
      await api([
        ['Mailbox/get', { accountId }, 'm'],
        ['Identity/get', { accountId }, 'i'],
      ])
    ).methodResponses;
    const drafts = (boxes[0]![1].list as { id: string; role: string }[]).find((b) => b.role === 'drafts')!.id;
    const identityId = (boxes[1]![1].list as { id: string }[])[0]!.id;
    const message = `From: alice@example.test\r\nTo: bob@example.test\r\nSubject: bench ${Date.now()}\r\nMessage-ID: <bench.${Date.now()}@example.test>\r\n\r\nUnder load.\r\n`;
    const upload = (await (
      await fetch(session.uploadUrl.replace('{accountId}', accountId), {
        method: 'POST',
        headers: { Authorization: ALICE, 'Content-Type': 'message/rfc822' },
        body: message,
      })
    ).json()) as { blobId: string };
    const sent = await api([
      [
        'Email/import',
        {
          accountId,
          emails: { d: { blobId: upload.blobId, mailboxIds: { [drafts]: true }, keywords: { $draft: true } } },
        },
        'i',
      ],
      ['EmailSubmission/set', { accountId, create: { s: { identityId, emailId: '#d' } } }, 's'],
    ]);
    const submitted = sent.methodResponses.find(([name]) => name === 'EmailSubmission/set')?.[1] as
      { created?: Record<string, unknown> } | undefined;
    return {
      ok: !!submitted?.created?.s,
      ms: performance.now() - started,
      detail: JSON.stringify(sent.methodResponses.map(([n]) => n)),
    };
  } catch (e) {
    return { ok: false, ms: performance.now() - started, detail: String(e) };
  }
}

const attackStarted = performance.now();
const failedLogins = Promise.all(
  Array.from({ length: 50 }, (_, i) =>
    fetch(new URL('/.well-known/jmap', base), {
      headers: { Authorization: basic(`user${i}@example.test`, 'wrong') },
    }).then((r) => r.status),
  ),
);
const batch = fetch(
  new URL(
    `/api/wkd/batch?${Array.from({ length: 20 }, (_, i) => `address=a${i}@d${i}.hangs.example`).join('&')}`,
    base,
  ),
).then(async (r) => ({
  status: r.status,
  lines: (await r.text()).trim().split('\n').length,
}));
await new Promise((ok) => setTimeout(ok, 50)); // the attack is under way when the user arrives
const user = await normalUser();
const [statuses, batchAnswer] = await Promise.all([failedLogins, batch]);
console.log(
  JSON.stringify({
    user,
    failedLogins: {
      count: statuses.length,
      byStatus: statuses.reduce<Record<number, number>>((a, s) => ((a[s] = (a[s] ?? 0) + 1), a), {}),
    },
    batch: batchAnswer,
    attackMs: performance.now() - attackStarted,
  }),
);
