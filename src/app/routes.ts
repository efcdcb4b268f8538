import { useSyncExternalStore } from 'react';

export const ROUTES = ['inbox', 'compose', 'drafts', 'sent', 'keys', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

const current = (): Route => {
  const name = window.location.hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'compose';
};

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

/** The view named in the URL fragment (`#/sent`); hash routes work on any static host. */
export const useRoute = (): Route => useSyncExternalStore(subscribe, current);
