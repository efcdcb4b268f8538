// Stands in for the `text-encoding` polyfill that emailjs-mime-codec imports (see vite.config.ts).
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
