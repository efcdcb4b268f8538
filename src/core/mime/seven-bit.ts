import { AppError } from '../errors/app-error';

/**
 * Assert what every message we upload must be (RFC 5322 §2.1.1, RFC 3156 §3): 7-bit bytes,
 * CRLF line ends only, no line over 998 octets. A violation is a bug in our builder, never user error.
 */
export function assertSevenBitMessage(bytes: Uint8Array): void {
  let lineLength = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b > 127 || b === 0) throw new AppError('mime/invalid-input', `Byte ${b} at offset ${i} is not 7-bit`);
    if (b === 10 && bytes[i - 1] !== 13) throw new AppError('mime/invalid-input', `Bare LF at offset ${i}`);
    if (b === 13 && bytes[i + 1] !== 10) throw new AppError('mime/invalid-input', `Bare CR at offset ${i}`);
    if (b === 13 || b === 10) lineLength = 0;
    else if (++lineLength > 998) throw new AppError('mime/invalid-input', `Line longer than 998 octets at offset ${i}`);
  }
}
