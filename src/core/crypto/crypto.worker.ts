import { expose } from 'comlink';
import { createCryptoApi } from './api';
import { toEnvelopeApi } from './rpc';
import type { CryptoApi } from './types';

expose(toEnvelopeApi<CryptoApi>(createCryptoApi()));
