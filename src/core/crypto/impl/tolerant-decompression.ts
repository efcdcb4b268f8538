/**
 * Loaded by the crypto worker before OpenPGP.js, which picks its decompressor when it loads.
 *
 * Chromium's native DecompressionStream refuses any byte after the final deflate block ("Junk
 * found after end of compressed data", per the Compression Streams spec), and Sequoia (sq) ends
 * its compressed packets with such bytes. gpg, zlib and OpenPGP.js's own inflater (fflate) ignore
 * them; the packet is inside the authenticated ciphertext either way. Without the native stream
 * OpenPGP.js uses fflate, so mail from sq users opens in the browser as it does everywhere else.
 */
delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;

export {};
