import { MAX_CODE_BYTES } from '@lounge/shared';

/**
 * Clean-up shared by every driver: scanners wrap codes in noise (STX/ETX, spaces, stray CR/LF)
 * and may prefix an AIM symbology identifier (`]Q1` for QR, ISO/IEC 15424: `]`, a code
 * character, a modifier character). A JWS never starts with `]` or with a control character,
 * so removing both cannot damage a real token.
 */

/** Bytes that are never part of a code at its edges: C0 controls, space and DEL. */
const isNoise = (byte: number): boolean => byte <= 0x20 || byte === 0x7f;

const AIM_FLAG = 0x5d; // ']'

/** Strips edge noise and a leading AIM identifier from raw bytes. */
export function cleanCodeBytes(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  while (start < end && isNoise(bytes[start]!)) start++;
  while (end > start && isNoise(bytes[end - 1]!)) end--;
  if (end - start >= 3 && bytes[start] === AIM_FLAG) {
    start += 3;
    while (start < end && isNoise(bytes[start]!)) start++;
  }
  return bytes.subarray(start, end);
}

/** The same for text (keyboard and stdin drivers). */
export function cleanCodeText(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isNoise(text.charCodeAt(start))) start++;
  while (end > start && isNoise(text.charCodeAt(end - 1))) end--;
  if (end - start >= 3 && text.charCodeAt(start) === AIM_FLAG) {
    start += 3;
    while (start < end && isNoise(text.charCodeAt(start))) start++;
  }
  return text.slice(start, end);
}

/** Longest code a driver hands on; longer frames are dropped (SPEC.md section 8). */
export const MAX_FRAME_BYTES = MAX_CODE_BYTES;
