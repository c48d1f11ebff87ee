import { hash as oneShotHash } from 'node:crypto';
import type { Clock, Decision, DecisionOutcome, KeyResolver, Occupancy } from '@lounge/shared';
import { decide, newEventId, ProblemError, verifyToken } from '@lounge/shared';
import { nodeEd25519Verifier } from './ed25519-verifier.ts';
import { pooledRandom } from './random-pool.ts';
import { retryOutcome, SCAN_ID_TTL_MS } from './scan-retry.ts';
import { GroupCommit } from './state/group-commit.ts';
import type { LoungeOccupancy } from './occupancy/lounge-occupancy.ts';
import type { EdgeState, OccupancySum } from './state/index.ts';

/** Where a scan came from: the local API (turnstile), an attached scanner, or desk staff. */
export type DecisionSource = 'api' | 'scanner' | 'desk';

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

/** Emitted after each recorded decision. */
export interface DecisionEvent {
  decision: Decision;
  source: DecisionSource;
  latencyMs: number;
  detail: string;
  /** The occupancy sum after a consuming grant, read in its (now committed) transaction. */
  occupancy?: OccupancySum;
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
  /** Runs the recording transaction (the storage guard: full-disk handling). */
  storage?: <T>(write: () => T) => T;
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
 * The decision path (SPEC.md 8): verify the signature (node:crypto Ed25519), then read state,
 * decide and write consumption, grant, access log and entry outbox in one synchronous step of
 * a committed transaction (group commit: scans of one event-loop turn share it). Nothing
 * awaits between the read and the writes, so concurrent scans of one code cannot both consume
 * it, and a decision is answered only once its transaction is committed.
 *
 * Every grant takes an entry, so a code's grants admit at most ent × (1+gst) people, minus
 * what annulments gave back. A `scanId` is looked up and recorded in that same synchronous
 * step: two requests in flight with one scanId get one decision, and a retry replays it
 * without recording anything (no log row, entry event or webhook).
 */
export class DecisionService {
  private readonly eventId: (nowMs: number) => string;
  private readonly commits: GroupCommit;

  constructor(private readonly opts: DecisionServiceOptions) {
    const random = pooledRandom();
    this.eventId = opts.newEventId ?? ((ms) => newEventId(ms, random));
    this.commits = new GroupCommit(opts.state.db, opts.storage);
  }

  /**
   * Decides a scan, consuming on grant; recorded before it returns. A known `scanId` answers
   * its recorded decision; with another code or gate it throws SCAN_ID_REUSED.
   */
  async scan(input: ScanInput): Promise<Decision> {
    const verification = await verifyToken(input.code, this.opts.resolveKey, VERIFY);
    const offline = this.opts.isOffline();
    const clockSuspect = this.opts.isClockSuspect();
    const hash = codeSha256(input.code);
    const { state, clock, deviceId, loungeId } = this.opts;
    const { gate, scanId, override } = input;
    const result = await this.commits.run((): DecisionEvent | { retry: Decision } => {
      const now = clock.now();
      if (scanId !== undefined) {
        const retry = retryOutcome(
          state.scanIds.find(scanId),
          { codeSha256: hash, gate },
          now,
          (eventId) => (state.invitations.findGrant(eventId)?.annulledAt ?? null) !== null,
        );
        if (retry.kind === 'reused') throw new ProblemError('SCAN_ID_REUSED', retry.detail);
        if (retry.kind === 'replay') return { retry: retry.decision };
      }
      const before = this.opts.occupancy?.reading(now);
      const outcome = this.outcome(verification, now, override !== undefined, before?.occupancy);
      const decision = this.assemble(outcome, gate, now, offline, clockSuspect, scanId);
      if (outcome.reason === 'OVERRIDE') decision.staff = override!.staff;
      const latencyMs = Math.max(0, now - input.receivedAt);
      const consumes = outcome.decision === 'grant' && Boolean(outcome.invitationId);
      if (consumes) {
        const inv = outcome.invitationId!;
        state.invitations.insertGrant({
          eventId: decision.eventId,
          invitationId: inv,
          gate,
          atMs: now,
          admit: outcome.admit,
          entriesLeft: outcome.entriesLeft,
        });
        state.invitations.recordEntry(decision.eventId, inv, deviceId, 1, now, {
          people: outcome.admit,
        });
        state.outbox.enqueue(
          {
            type: 'grant',
            eventId: decision.eventId,
            invitationId: inv,
            deviceId,
            gate,
            admit: outcome.admit,
            at: decision.decidedAt,
            reason: outcome.reason === 'OVERRIDE' ? 'OVERRIDE' : 'OK',
            ...(decision.staff !== undefined && { staff: decision.staff }),
          },
          now,
        );
      }
      // The count after this decision's own rows: its record holds it, and once committed the
      // occupancy takes it as its latest (DecisionEvent.occupancy).
      const after = consumes ? this.opts.occupancy?.reading(now) : before;
      const inside = after?.occupancy.inside;
      state.accessLog.insert({
        eventId: decision.eventId,
        deviceId,
        loungeId,
        gate,
        invitationId: decision.invitationId,
        decision: decision.decision,
        reason: decision.reason,
        admit: decision.admit,
        decidedAt: decision.decidedAt,
        offline,
        codeSha256: hash,
        latencyMs,
        ...(scanId !== undefined && { scanId }),
        ...(clockSuspect && { clockSuspect: true }),
        ...(decision.staff !== undefined && { staff: decision.staff, note: override!.reason }),
        ...(inside !== undefined && { inside }),
      });
      if (scanId !== undefined) {
        state.scanIds.prune(now - SCAN_ID_TTL_MS);
        state.scanIds.record({ scanId, codeSha256: hash, gate, decision, atMs: now });
      }
      return {
        decision,
        source: input.source,
        latencyMs,
        detail: outcome.detail,
        ...(consumes && after && { occupancy: after.sum }),
      };
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
    // One read transaction: a single snapshot, and one WAL lock instead of one per query.
    const read = this.opts.state.db.transaction(() =>
      this.outcome(verification, now, false, this.opts.occupancy?.current(now)),
    );
    return { ...this.assemble(read(), gate, now, offline, clockSuspect), dryRun: true };
  }

  private outcome(
    verification: Awaited<ReturnType<typeof verifyToken>>,
    now: number,
    override: boolean,
    occupancy: Occupancy | undefined,
  ): DecisionOutcome {
    const state = verification.ok
      ? this.opts.state.invitations.stateOf(verification.claims.jti)
      : { revoked: false, entriesUsed: 0 };
    return decide({
      verification,
      state,
      loungeId: this.opts.loungeId,
      nowMs: now,
      clockSkewSeconds: this.opts.clockSkewSeconds,
      ...(occupancy && { occupancy }),
      override,
    });
  }

  private assemble(
    o: DecisionOutcome,
    gate: string,
    now: number,
    offline: boolean,
    clockSuspect: boolean,
    scanId?: string,
  ): Decision {
    return {
      decision: o.decision,
      reason: o.reason,
      invitationId: o.invitationId,
      admit: o.admit,
      entriesLeft: o.entriesLeft,
      validUntil: o.validUntil,
      gate,
      eventId: this.eventId(now),
      decidedAt: new Date(now).toISOString(),
      offline,
      ...(clockSuspect && { clockSuspect: true as const }),
      ...(scanId !== undefined && { scanId }),
    };
  }
}
