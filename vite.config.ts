import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@': src(''),
      // emailjs-mime-codec pulls in a full TextEncoder polyfill; every browser we support has the real one.
      'text-encoding': src('lib/native-text-encoding.ts'),
    },
  },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { host: '127.0.0.1' },
});
