import { useId } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { recipientKeyKeys } from '@/queries/query-keys';
import { DEFAULT_KEY_SERVER, useDiscoverySettingsStore } from '@/stores/discovery-settings-store';
import { UNLOCK_CHOICES, usePreferencesStore } from '@/stores/preferences-store';
import { useSessionStore } from '@/stores/session-store';
import { ViewTitle } from '@/components/view-title';
import { insecureUrlReason } from '@/core/net/loopback';

export function SettingsView() {
  const id = useId();
  const session = useSessionStore((s) => s.session);
  const { unlockMinutes, setUnlockMinutes } = usePreferencesStore();
  const discovery = useDiscoverySettingsStore();
  const queryClient = useQueryClient();
  // Look-up results depend on these settings: ask again with the new ones.
  const changeDiscovery = (patch: Parameters<typeof discovery.update>[0]) => {
    discovery.update(patch);
    void queryClient.invalidateQueries({ queryKey: recipientKeyKeys.all });
  };
  const keyServerText = discovery.keyServer.trim();
  const keyServerProblem =
    keyServerText === ''
      ? null
      : URL.canParse(keyServerText) && /^https?:$/.test(new URL(keyServerText).protocol)
        ? insecureUrlReason(new URL(keyServerText))
        : `"${keyServerText}" is not an address starting with https://.`;
  const keyServerValid = keyServerProblem === null;
  return (
    <main aria-labelledby={`${id}-title`}>
      <ViewTitle id={`${id}-title`}>Settings</ViewTitle>
      {session.phase === 'signed-in' && (
        <dl className="facts">
          <dt>Mail server (JMAP session)</dt>
          <dd>{session.client.session.sessionUrl}</dd>
          <dt>Account</dt>
          <dd>{session.client.session.username}</dd>
        </dl>
      )}
      <label htmlFor={`${id}-unlock`}>Keep keys unlocked for</label>
      <select
        id={`${id}-unlock`}
        value={unlockMinutes}
        onChange={(e) => setUnlockMinutes(Number(e.target.value))}
        aria-describedby={`${id}-unlock-hint`}
      >
        {UNLOCK_CHOICES.map((m) => (
          <option key={m} value={m}>
            {m} minute{m === 1 ? '' : 's'}
          </option>
        ))}
      </select>
      <p id={`${id}-unlock-hint`} className="hint">
        After this time an unlocked secret key is dropped from memory and its passphrase is asked again. Passphrases are
        never stored.
      </p>
      <h2>Finding recipients’ keys</h2>
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          checked={discovery.useWkd}
          onChange={(e) => changeDiscovery({ useWkd: e.target.checked })}
        />{' '}
        Use WKD
      </label>
      <p className="hint">
        Ask the recipient’s domain for their key (Web Key Directory). The domain learns that someone looked.
      </p>
      <label htmlFor={`${id}-vks`}>Key server</label>
      <input
        id={`${id}-vks`}
        type="url"
        value={discovery.keyServer}
        onChange={(e) => changeDiscovery({ keyServer: e.target.value })}
        aria-describedby={`${id}-vks-hint`}
        aria-invalid={keyServerValid ? undefined : 'true'}
      />
      <p id={`${id}-vks-hint`} className="hint">
        A VKS key server, asked when WKD has no key (default {DEFAULT_KEY_SERVER}; empty: none).
      </p>
      {!keyServerValid && (
        <p role="alert" className="alert">
          The key server cannot be used: {keyServerProblem}
        </p>
      )}
      <label htmlFor={`${id}-mode`}>Look up WKD keys</label>
      <select
        id={`${id}-mode`}
        value={discovery.wkdMode}
        onChange={(e) => changeDiscovery({ wkdMode: e.target.value as 'auto' | 'proxy' | 'browser' })}
        aria-describedby={`${id}-mode-hint`}
      >
        <option value="auto">
          Automatically ({discovery.proxyBase ? 'through this app’s server' : 'from this browser'})
        </option>
        <option value="proxy" disabled={!discovery.proxyBase}>
          Through this app’s server
        </option>
        <option value="browser">From this browser</option>
      </select>
      <p id={`${id}-mode-hint`} className="hint">
        {discovery.proxyBase
          ? 'This app’s server can reach domains that do not allow look-ups from web pages (no CORS); it sees which addresses are looked up.'
          : 'This app runs without its companion server, so look-ups go directly from the browser.'}
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={discovery.autoEncrypt}
          onChange={(e) => discovery.update({ autoEncrypt: e.target.checked })}
        />{' '}
        Encrypt automatically when every recipient has a key
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={discovery.protectHeaders}
          onChange={(e) => discovery.update({ protectHeaders: e.target.checked })}
          aria-describedby={`${id}-hp-hint`}
        />{' '}
        Hide the subject of encrypted mail
      </label>
      <p id={`${id}-hp-hint`} className="hint">
        Header protection (RFC 9788): the real subject travels inside the encryption and the outside shows “[...]”. Some
        old mail programs show only the placeholder.
      </p>
    </main>
  );
}
