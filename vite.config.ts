import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${src('')}/` },
      // The browser build of OpenPGP.js without the Node-only parts; it loads rarely used
      // algorithms as separate chunks (protocols.md §6.1). Node tests use the default entry.
      { find: /^openpgp$/, replacement: 'openpgp/lightweight' },
      // emailjs-mime-codec pulls in a full TextEncoder polyfill; every browser we support has the real one.
      { find: /^text-encoding$/, replacement: src('lib/native-text-encoding.ts') },
    ],
  },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'start', tags: ['$initial'] }] } } },
  },
  server: { host: '127.0.0.1' },
});
