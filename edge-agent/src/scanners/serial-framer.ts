import { MAX_FRAME_BYTES, cleanCodeBytes } from './code-cleanup.ts';

/** The suffix programmed into the scanner (config `suffix`). */
export type SerialSuffix = 'cr' | 'lf' | 'crlf' | 'tab';

export interface SerialFramerOptions {
  suffix: SerialSuffix;
  /** Longest code kept; longer frames are dropped whole. Default 4 KiB. */
  maxFrameBytes?: number;
}

export interface FramerOutput {
  /** Complete codes, cleaned of edge noise and AIM prefix, as raw bytes. */
  frames: Uint8Array[];
  /** How many oversized frames were dropped while handling this chunk. */
  dropped: number;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
/** Room for noise (STX/ETX, AIM id, spaces) around a maximum-size code before giving up. */
const NOISE_SLACK = 64;

/**
 * Splits a serial byte stream into codes. A frame ends at CR, LF or CRLF whatever the
 * configured suffix (scanners are often mis-programmed), or at TAB when the suffix is `tab`;
 * the empty frame between CR and LF is ignored. Pure: bytes in, frames out.
 */
export class SerialFramer {
  private readonly max: number;
  private readonly tabEnds: boolean;
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Set after an oversized frame: skip bytes until the next terminator, then resync. */
  private discarding = false;

  constructor(options: SerialFramerOptions) {
    this.max = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.tabEnds = options.suffix === 'tab';
  }

  push(chunk: Uint8Array): FramerOutput {
    const out: FramerOutput = { frames: [], dropped: 0 };
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte !== CR && byte !== LF && !(this.tabEnds && byte === TAB)) continue;
      this.append(chunk.subarray(from, i), out);
      this.endFrame(out);
      from = i + 1;
    }
    this.append(chunk.subarray(from), out);
    return out;
  }

  /** Forgets a partial frame (after the port closed: its rest will never come). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.discarding = false;
  }

  private append(bytes: Uint8Array, out: FramerOutput): void {
    if (bytes.length === 0 || this.discarding) return;
    if (this.size + bytes.length > this.max + NOISE_SLACK) {
      out.dropped++;
      this.reset();
      this.discarding = true;
      return;
    }
    // Copy: the caller may reuse its buffer (serialport pools them).
    this.parts.push(Uint8Array.from(bytes));
    this.size += bytes.length;
  }

  private endFrame(out: FramerOutput): void {
    if (this.discarding) {
      this.reset();
      return;
    }
    if (this.size === 0) return;
    const frame = cleanCodeBytes(concat(this.parts, this.size));
    this.reset();
    if (frame.length === 0) return;
    if (frame.length > this.max) out.dropped++;
    else out.frames.push(frame);
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const all = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}
