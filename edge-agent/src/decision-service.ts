import { createHash } from 'node:crypto';
import type { Clock, Decision, DecisionOutcome, KeyResolver } from '@lounge/shared';
import { decide, newEventId, verifyToken } from '@lounge/shared';
import { nodeEd25519Verifier } from './ed25519-verifier.ts';
import { pooledRandom } from './random-pool.ts';
import { GroupCommit } from './state/group-commit.ts';
import type { EdgeState } from './state/index.ts';

/** Where a scan came from: the local API (turnstile) or an attached scanner. */
export type DecisionSource = 'api' | 'scanner';

export interface ScanInput {
  code: string | Uint8Array;
  gate: string;
  /** When the scan was received (ms, injected clock): latency is measured from here. */
  receivedAt: number;
  source: DecisionSource;
}

/** Emitted after each recorded decision. */
export interface DecisionEvent {
  decision: Decision;
  source: DecisionSource;
  latencyMs: number;
  detail: string;
}

export interface DecisionServiceOptions {
  state: EdgeState;
  resolveKey: KeyResolver;
  clock: Clock;
  deviceId: string;
  loungeId: string;
  clockSkewSeconds: number;
  regrantWindowSeconds: number;
  isOffline: () => boolean;
  isClockSuspect: () => boolean;
  onDecision?: (event: DecisionEvent) => void;
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
      return createHash('sha256').update(code).digest('hex');
    }
  }
  return createHash('sha256').update(text.trim(), 'utf8').digest('hex');
}

/**
 * The decision path (SPEC.md 8): verify the signature (node:crypto Ed25519), then read state,
 * decide and write consumption, grant, access log and entry outbox in one synchronous step of
 * a committed transaction (group commit: scans of one event-loop turn share it). Nothing
 * awaits between the read and the writes, so concurrent scans of one code cannot both consume
 * it, and a decision is answered only once its transaction is committed.
 */
export class DecisionService {
  private readonly eventId: (nowMs: number) => string;
  private readonly commits: GroupCommit;

  constructor(private readonly opts: DecisionServiceOptions) {
    const random = pooledRandom();
    this.eventId = opts.newEventId ?? ((ms) => newEventId(ms, random));
    this.commits = new GroupCommit(opts.state.db, opts.storage);
  }

  /** Decides a scan, consuming on grant; recorded before it returns. */
  async scan(input: ScanInput): Promise<Decision> {
    const verification = await verifyToken(input.code, this.opts.resolveKey, VERIFY);
    const offline = this.opts.isOffline();
    const clockSuspect = this.opts.isClockSuspect();
    const hash = codeSha256(input.code);
    const { state, clock, deviceId, loungeId } = this.opts;
    const event = await this.commits.run((): DecisionEvent => {
      const now = clock.now();
      const outcome = this.outcome(verification, input.gate, now);
      const decision = this.assemble(outcome, input.gate, now, offline, clockSuspect);
      const latencyMs = Math.max(0, now - input.receivedAt);
      if (outcome.decision === 'grant' && outcome.invitationId) {
        const inv = outcome.invitationId;
        const original = outcome.consumes ? null : this.lastGrantId(inv);
        state.invitations.insertGrant({
          eventId: decision.eventId,
          invitationId: inv,
          gate: input.gate,
          atMs: now,
          admit: outcome.admit,
          entriesLeft: outcome.entriesLeft,
          repeatOf: original,
        });
        if (outcome.consumes) {
          state.invitations.recordEntry(decision.eventId, inv, deviceId, 1, now);
          state.outbox.enqueue(
            {
              type: 'grant',
              eventId: decision.eventId,
              invitationId: inv,
              deviceId,
              gate: input.gate,
              admit: outcome.admit,
              at: decision.decidedAt,
              reason: 'OK',
            },
            now,
          );
        }
      }
      state.accessLog.insert({
        eventId: decision.eventId,
        deviceId,
        loungeId,
        gate: input.gate,
        invitationId: decision.invitationId,
        decision: decision.decision,
        reason: decision.reason,
        admit: decision.admit,
        decidedAt: decision.decidedAt,
        offline,
        codeSha256: hash,
        latencyMs,
        ...(clockSuspect && { clockSuspect: true }),
        ...(outcome.repeat && { repeat: true }),
      });
      return { decision, source: input.source, latencyMs, detail: outcome.detail };
    });
    this.opts.onDecision?.(event);
    return event.decision;
  }

  /** The decision a scan would get now, with `dryRun: true`: consumes and records nothing. */
  async verify(code: string | Uint8Array, gate: string): Promise<Decision> {
    const verification = await verifyToken(code, this.opts.resolveKey, VERIFY);
    const offline = this.opts.isOffline();
    const clockSuspect = this.opts.isClockSuspect();
    const now = this.opts.clock.now();
    // One read transaction: a single snapshot, and one WAL lock instead of one per query.
    const read = this.opts.state.db.transaction(() => this.outcome(verification, gate, now));
    return { ...this.assemble(read(), gate, now, offline, clockSuspect), dryRun: true };
  }

  private outcome(
    verification: Awaited<ReturnType<typeof verifyToken>>,
    gate: string,
    now: number,
  ): DecisionOutcome {
    const state = verification.ok
      ? this.opts.state.invitations.stateOf(verification.claims.jti)
      : { revoked: false, entriesUsed: 0 };
    return decide({
      verification,
      state,
      loungeId: this.opts.loungeId,
      gate,
      nowMs: now,
      clockSkewSeconds: this.opts.clockSkewSeconds,
      regrantWindowSeconds: this.opts.regrantWindowSeconds,
    });
  }

  private lastGrantId(invitationId: string): string | null {
    return this.opts.state.invitations.lastConsumingGrant(invitationId)?.eventId ?? null;
  }

  private assemble(
    o: DecisionOutcome,
    gate: string,
    now: number,
    offline: boolean,
    clockSuspect: boolean,
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
      ...(o.repeat && { repeat: true as const }),
      ...(clockSuspect && { clockSuspect: true as const }),
    };
  }
}
