import { useComposerStore } from '../stores/composer-store';

/** The send under way, for Cancel: kept here, not in a component, so it outlives a visit to another view. */
let sending: AbortController | null = null;

/** A new send begins: its signal stops its upload. */
export function beginSend(): AbortController {
  sending = new AbortController();
  return sending;
}

export function endSend(controller: AbortController): void {
  if (sending === controller) sending = null;
}

/** Stop the upload of the message being sent; once it is being submitted it can no longer be stopped. */
export function cancelUpload(): void {
  const status = useComposerStore.getState().status;
  if (status.state === 'sending' && status.stage === 'uploading') sending?.abort();
}
