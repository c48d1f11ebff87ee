import { MAX_FRAME_BYTES, cleanCodeBytes } from './code-cleanup.ts';
import type { ScannerDrop } from './port.ts';

/** What a decoder made of one report: finished codes, and what it threw away and why. */
export interface DecodeResult<Code> {
  codes: Code[];
  problems: Array<Omit<ScannerDrop, 'scannerId'>>;
}

export interface HidPosDecoderOptions {
  maxCodeBytes?: number;
  /** A continued code whose next report is this late is abandoned (scanner unplugged mid-code). */
  continuationTimeoutMs?: number;
}

interface ParsedReport {
  data: Uint8Array;
  more: boolean;
}

const REPORT_ID_SCANNED_DATA = 0x02;
const AIM_FLAG = 0x5d; // ']'
/** Report ID, length, 3 AIM bytes, 2 trailing identifier bytes, continuation flag. */
const FIXED_OVERHEAD = 8;
/** Room for noise (AIM id, spaces, CR) around a maximum-size code. */
const NOISE_SLACK = 64;

/**
 * Parses one HID POS input report (Barcode Scanner page 0x8C, Scanned Data Report), in either
 * of the two layouts found in the field:
 * - numbered (Honeywell, Zebra, Access-IS manuals): byte 0 report ID 0x02, byte 1 data length
 *   (<= 56 in 64 bytes), bytes 2-4 the AIM symbology identifier (`]Q1`, or zeros), data from
 *   byte 5, then a further identifier and a reserved byte, last byte bit 0 "data continued";
 * - unnumbered (SPEC.md section 8): byte 0 data length, data from byte 1 (may start with an
 *   AIM identifier), last byte non-zero when more reports follow.
 * Returns null for a report that fits neither (garbage).
 */
export function parseHidPosReport(report: Uint8Array): ParsedReport | null {
  if (report.length < 2) return null;
  const numbered =
    report[0] === REPORT_ID_SCANNED_DATA &&
    report.length >= FIXED_OVERHEAD &&
    report[1]! <= report.length - FIXED_OVERHEAD &&
    (report[2] === AIM_FLAG || (report[2] === 0 && report[3] === 0 && report[4] === 0));
  if (numbered) {
    const length = report[1]!;
    return { data: report.subarray(5, 5 + length), more: (report[report.length - 1]! & 1) === 1 };
  }
  const length = report[0]!;
  if (1 + length > report.length) return null;
  // When the data fills the report there is no room left for a continuation byte.
  const more = report.length > 1 + length && report[report.length - 1] !== 0;
  return { data: report.subarray(1, 1 + length), more };
}

/**
 * Turns a sequence of HID POS reports into complete codes (raw bytes): joins continued
 * reports (a 360-character token spans several 64-byte reports), strips the AIM identifier
 * and edge noise, and drops garbage, empty and oversized input without throwing. Pure.
 */
export class HidPosDecoder {
  private readonly max: number;
  private readonly timeoutMs: number;
  private parts: Uint8Array[] = [];
  private size = 0;
  private lastAt = 0;
  /** The last report said "more follows". */
  private continued = false;
  /** The code in progress already passed the size limit: swallow the rest of its chain. */
  private overflow = false;

  constructor(options: HidPosDecoderOptions = {}) {
    this.max = options.maxCodeBytes ?? MAX_FRAME_BYTES;
    this.timeoutMs = options.continuationTimeoutMs ?? 1000;
  }

  push(report: Uint8Array, now: number): DecodeResult<Uint8Array> {
    const out: DecodeResult<Uint8Array> = { codes: [], problems: [] };
    if (this.continued && now - this.lastAt > this.timeoutMs) {
      out.problems.push({
        reason: 'incomplete',
        detail: 'incomplete code abandoned: its next report never came',
      });
      this.reset();
    }
    const parsed = parseHidPosReport(report);
    if (parsed === null) {
      out.problems.push({
        reason: 'unreadable',
        detail: `unreadable report of ${report.length} bytes ignored`,
      });
      return out;
    }
    this.lastAt = now;
    if (!this.overflow && this.size + parsed.data.length > this.max + NOISE_SLACK) {
      this.overflow = true;
      this.parts = [];
      this.size = 0;
    }
    if (!this.overflow && parsed.data.length > 0) {
      // Copy: node-hid may hand us views of a reused buffer.
      this.parts.push(Uint8Array.from(parsed.data));
      this.size += parsed.data.length;
    }
    this.continued = parsed.more;
    if (!parsed.more) this.finish(out);
    return out;
  }

  /** True while a continued code waits for its next report. */
  pending(): boolean {
    return this.continued;
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.continued = false;
    this.overflow = false;
  }

  private finish(out: DecodeResult<Uint8Array>): void {
    const overflow = this.overflow;
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      all.set(part, at);
      at += part.length;
    }
    this.reset();
    const code = cleanCodeBytes(all);
    if (overflow || code.length > this.max) {
      out.problems.push({ reason: 'oversized', detail: `code over ${this.max} bytes dropped` });
    } else if (code.length > 0) {
      out.codes.push(code);
    }
  }
}
