// First: OpenPGP.js chooses its decompressor when it loads (see the module).
import './impl/tolerant-decompression';
import { expose } from 'comlink';
import { createLookupWorkerApi } from '../discovery/lookup-worker';
import { createReadingWorkerApi } from '../reading/reading-worker';
import { createSendWorkerApi } from '../send/send-worker';
import { createCryptoApi } from './api';
import { toEnvelopeApi } from './rpc';
import type { CryptoApi } from './types';

const crypto = createCryptoApi();
expose({
  crypto: toEnvelopeApi<CryptoApi>(crypto),
  send: toEnvelopeApi(createSendWorkerApi(crypto)),
  discovery: toEnvelopeApi(createLookupWorkerApi(crypto)),
  reading: toEnvelopeApi(createReadingWorkerApi(crypto)),
});
