import { normalizeAddress } from '@/core/keystore/records';

// Query keys used on both sides of the start-up bundle: those that invalidate or read a query
// there need not load the code that runs it.

export const accountKeys = { companion: ['companion'] as const };

export const keyringKeys = {
  all: ['keyring'] as const,
  bindings: () => [...keyringKeys.all, 'bindings'] as const,
  list: () => [...keyringKeys.all, 'list'] as const,
  key: (fingerprint: string) => [...keyringKeys.all, 'key', fingerprint] as const,
  eligible: (address: string) => [...keyringKeys.all, 'eligible', normalizeAddress(address)] as const,
  unlocked: () => [...keyringKeys.all, 'unlocked'] as const,
};

export const recipientKeyKeys = {
  all: ['recipient-key'] as const,
  lookup: (address: string) => [...recipientKeyKeys.all, 'lookup', normalizeAddress(address)] as const,
};
