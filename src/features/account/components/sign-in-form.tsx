import { type FormEvent, useId, useState } from 'react';
import { userMessage } from '@/core/errors/user-messages';
import type { JmapAuth } from '@/core/jmap/auth';
import { useSessionStore } from '@/stores/session-store';
import { useCompanionConfig } from '@/queries/companion';
import { useSignIn } from '../api/sign-in';

export function SignInForm() {
  const session = useSessionStore((s) => s.session);
  const previous = session.phase === 'signed-out' ? session : null;
  const notice =
    previous && 'reconnectFailure' in previous
      ? `Could not reconnect to ${previous.lastServer}: ${userMessage(previous.reconnectFailure)}`
      : previous?.notice;
  const companion = useCompanionConfig();
  const signIn = useSignIn();
  // null = untouched: show the default (last server on reconnect, else the companion's pre-fill).
  const [serverInput, setServer] = useState<string | null>(null);
  const [method, setMethod] = useState<JmapAuth['kind']>('basic');
  const [usernameInput, setUsername] = useState<string | null>(null);
  const [passwordInput, setPassword] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const prefill = previous?.lastServer ? null : (companion.data ?? null);
  const server = serverInput ?? previous?.lastServer ?? prefill?.jmapSessionUrl ?? '';
  const username = usernameInput ?? previous?.lastUsername ?? prefill?.signInDefaults?.username ?? '';
  const password = passwordInput ?? prefill?.signInDefaults?.password ?? '';
  const id = useId();
  const missing = !server.trim()
    ? 'Enter the server address.'
    : method === 'basic' && !username.trim()
      ? 'Enter your user name.'
      : method === 'bearer' && !token.trim()
        ? 'Enter the access token.'
        : null;
  const [formError, setFormError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(missing);
    if (missing) return;
    const auth: JmapAuth =
      method === 'basic'
        ? { kind: 'basic', username: username.trim(), password }
        : { kind: 'bearer', token: token.trim() };
    signIn.mutate({ serverUrl: server.trim(), auth });
  }

  // Show the fields once their defaults are known: a pre-fill arriving later would land in a
  // field the user is already typing into.
  if (companion.isPending) {
    return (
      <main className="sign-in">
        <p role="status">Loading…</p>
      </main>
    );
  }

  return (
    <main className="sign-in" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Sign in to your mail server</h1>
      <p className="lead">
        Your keys and your plaintext stay in this browser. The server only ever receives finished messages.
      </p>
      <form onSubmit={submit} noValidate>
        <label htmlFor={`${id}-server`}>Server</label>
        <input
          id={`${id}-server`}
          type="url"
          inputMode="url"
          autoComplete="url"
          placeholder="https://mail.example.org/.well-known/jmap"
          value={server}
          onChange={(e) => setServer(e.target.value)}
          aria-describedby={`${id}-server-hint`}
        />
        <p id={`${id}-server-hint`} className="hint">
          A JMAP session URL, or the server&apos;s base address (then /.well-known/jmap is used).
        </p>
        <label htmlFor={`${id}-method`}>Sign-in method</label>
        <select id={`${id}-method`} value={method} onChange={(e) => setMethod(e.target.value as JmapAuth['kind'])}>
          <option value="basic">User name and password</option>
          <option value="bearer">Access token (Bearer)</option>
        </select>
        {method === 'basic' ? (
          <>
            <label htmlFor={`${id}-user`}>Username</label>
            <input
              id={`${id}-user`}
              type="text"
              autoComplete="username"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <label htmlFor={`${id}-pass`}>Password</label>
            <input
              id={`${id}-pass`}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </>
        ) : (
          <>
            <label htmlFor={`${id}-token`}>Access token</label>
            <input
              id={`${id}-token`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </>
        )}
        {(formError || signIn.isError || notice) && (
          <p role="alert" className="alert">
            {formError ?? (signIn.isError ? userMessage(signIn.error) : notice)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={signIn.isPending}>
            Sign in
          </button>
          <span role="status" className="status-text">
            {signIn.isPending ? 'Signing in…' : ''}
          </span>
        </div>
      </form>
    </main>
  );
}
