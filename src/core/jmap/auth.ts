/** How the app authenticates to the JMAP server. JMAP leaves this to the server (RFC 8620 §8.2). */
export type JmapAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

const utf8ToBase64 = (s: string): string => {
  const bytes = new TextEncoder().encode(s);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

/** The Authorization header value; user names and passwords may be non-ASCII (UTF-8, RFC 7617 §2.1). */
export function authorizationHeader(auth: JmapAuth): string {
  return auth.kind === 'basic' ? `Basic ${utf8ToBase64(`${auth.username}:${auth.password}`)}` : `Bearer ${auth.token}`;
}
