import { hash as oneShotHash } from 'node:crypto';
import type { Clock, Decision, KeyResolver } from '@lounge/shared';
import { newEventId, verifyToken } from '@lounge/shared';
import {
  assembleDecision,
  outcomeOf,
  type DecisionEvent,
  type DecisionSource,
} from './decision-record.ts';
import { adaptiveRecorder, inlineRecorder, type DecisionRecorder } from './decision-thread.ts';
import { nodeEd25519Verifier } from './ed25519-verifier.ts';
import { pooledRandom } from './random-pool.ts';
import type { LoungeOccupancy } from './occupancy/lounge-occupancy.ts';
import type { EdgeState } from './state/index.ts';

export type { DecisionEvent, DecisionSource } from './decision-record.ts';

export interface ScanInput {
  code: string | Uint8Array;
  gate: string;
  /** When the scan was received (ms, injected clock): latency is measured from here. */
  receivedAt: number;
  source: DecisionSource;
  /** The turnstile's id for this physical read: a retry with it gets the same decision. */
  scanId?: string;
  /** Desk staff override a LOUNGE_FULL (SPEC.md 8, override a); `reason` is required. */
  override?: { staff: string; reason: string };
}

export interface DecisionServiceOptions {
  state: EdgeState;
  resolveKey: KeyResolver;
  clock: Clock;
  deviceId: string;
  loungeId: string;
  clockSkewSeconds: number;
  isOffline: () => boolean;
  isClockSuspect: () => boolean;
  onDecision?: (event: DecisionEvent) => void;
  /** Called when a turnstile retry (known `scanId`) got its recorded decision back. */
  onRetry?: (decision: Decision) => void;
  /** The lounge's occupancy: LOUNGE_FULL, and the inside count in each access-log record. */
  occupancy?: LoungeOccupancy;
  /** Runs the recording transaction inline (the storage guard: full-disk handling). */
  storage?: <T>(write: () => T) => T;
  /**
   * The agent's decision thread (`DecisionThread`): scans that arrive while others are being
   * recorded go there (`adaptiveRecorder`). Without it every scan is recorded inline.
   */
  thread?: DecisionRecorder & { waiting(): number };
  newEventId?: (nowMs: number) => string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// node:crypto's synchronous Ed25519 check: same outcome as jose's WebCrypto default, a third
// of the cost per scan (docs/performance.md).
const VERIFY = { verifySignature: nodeEd25519Verifier };

/**
 * SHA-256 of the code as the verifier read it (surrounding white space trimmed, as scanners add
 * it), so IBDP can match it to the issued token; raw bytes when they are not UTF-8.
 */
function codeSha256(code: string | Uint8Array): string {
  let text: string | undefined = typeof code === 'string' ? code : undefined;
  if (text === undefined) {
    try {
      text = utf8.decode(code as Uint8Array);
    } catch {
      return oneShotHash('sha256', code as Uint8Array);
    }
  }
  // One-shot (hex by default): no Hash object per decision.
  return oneShotHash('sha256', text.trim());
}

/**
 * The decision path (SPEC.md 8): verify the signature (node:crypto Ed25519) on the event loop,
 * then hand the durable step (`recordScan`: read state, decide, write consumption, grant,
 * access log and entry outbox in one synchronous step of a committed transaction, group
 * commit) to the recorder: the agent's decision thread when scans are waiting, else inline. Nothing awaits between the
 * read and the writes, so concurrent scans of one code cannot both consume it, and a decision
 * is answered only once its transaction is committed.
 *
 * Every grant takes an entry, so a code's grants admit at most ent × (1+gst) people, minus
 * what annulments gave back. A `scanId` is looked up and recorded in that same synchronous
 * step: two requests in flight with one scanId get one decision, and a retry replays it
 * without recording anything (no log row, entry event or webhook).
 */
export class DecisionService {
  private readonly eventId: (nowMs: number) => string;
  private readonly recorder: DecisionRecorder;

  constructor(private readonly opts: DecisionServiceOptions) {
    const random = pooledRandom();
    this.eventId = opts.newEventId ?? ((ms) => newEventId(ms, random));
    const inline = inlineRecorder(
      opts.state.db,
      {
        state: opts.state,
        ...(opts.occupancy && { occupancy: opts.occupancy }),
        deviceId: opts.deviceId,
        loungeId: opts.loungeId,
        clockSkewSeconds: opts.clockSkewSeconds,
      },
      opts.storage,
    );
    this.recorder = opts.thread ? adaptiveRecorder(inline, opts.thread) : inline;
  }

  /**
   * Decides a scan, consuming on grant; recorded before it returns. A known `scanId` answers
   * its recorded decision; with another code or gate it throws SCAN_ID_REUSED.
   */
  async scan(input: ScanInput): Promise<Decision> {
    const verification = await verifyToken(input.code, this.opts.resolveKey, VERIFY);
    const now = this.opts.clock.now();
    const result = await this.recorder.record({
      verification,
      codeSha256: codeSha256(input.code),
      gate: input.gate,
      source: input.source,
      ...(input.scanId !== undefined && { scanId: input.scanId }),
      ...(input.override !== undefined && { override: input.override }),
      receivedAt: input.receivedAt,
      now,
      eventId: this.eventId(now),
      offline: this.opts.isOffline(),
      clockSuspect: this.opts.isClockSuspect(),
    });
    if ('retry' in result) {
      this.opts.onRetry?.(result.retry);
      return result.retry;
    }
    this.opts.onDecision?.(result);
    return result.decision;
  }

  /** The decision a scan would get now, with `dryRun: true`: consumes and records nothing. */
  async verify(code: string | Uint8Array, gate: string): Promise<Decision> {
    const verification = await verifyToken(code, this.opts.resolveKey, VERIFY);
    const offline = this.opts.isOffline();
    const clockSuspect = this.opts.isClockSuspect();
    const now = this.opts.clock.now();
    const { state, occupancy } = this.opts;
    // One read transaction: a single snapshot, and one WAL lock instead of one per query.
    const read = state.db.transaction(() =>
      outcomeOf(this.opts, verification, now, false, occupancy?.current(now)),
    );
    const r = { gate, now, eventId: this.eventId(now), offline, clockSuspect };
    return { ...assembleDecision(read(), r), dryRun: true };
  }

  /** Stops the recorder (the decision thread) once the scans handed to it are answered. */
  close(): Promise<void> {
    return this.recorder.close();
  }
}
