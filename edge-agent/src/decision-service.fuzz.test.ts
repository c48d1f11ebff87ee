import {
  ManualClock,
  newInvitationId,
  ProblemError,
  signToken,
  type Decision,
} from '@lounge/shared';
import fc from 'fast-check';
import { generateKeyPair, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { annulGrant } from './annul.ts';
import { DecisionService } from './decision-service.ts';
import { DoubleReadFilter } from './scanners/double-read.ts';
import { openEdgeState } from './state/index.ts';

// SPEC.md 8: on one box, over any mix of scans, retries, annulments and gates, the `admit` of
// a code's grants (distinct eventIds) minus the annulled ones never exceeds ent × (1+gst).
// Scanner reads go through the double-read filter as in the agent; API scans may carry a
// scanId (a turnstile retry re-sends the same one, on the same gate).
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const DEVICE = 'dev_01JD0000000000000000000001';
const GATES = ['g1', 'g2', 'g3'];

type Op =
  | { kind: 'api'; gate: number; scanId: number | null }
  | { kind: 'scanner'; gate: number }
  | { kind: 'annul'; pick: number }
  | { kind: 'wait'; ms: number };

const gateArb = fc.nat(GATES.length - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('api' as const),
      gate: gateArb,
      scanId: fc.option(fc.nat(4)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('scanner' as const), gate: gateArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('annul' as const), pick: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 400_000 })),
    }),
  },
);

// A step runs its ops concurrently (one event-loop turn: a burst at several gates).
const stepsArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 12,
});

describe('DecisionService: no code admits more people than it allows', () => {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;

  beforeAll(async () => {
    ({ privateKey, publicKey } = await generateKeyPair('EdDSA'));
  });

  it('holds over random sequences and concurrency of scans, retries, annulments and gates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        stepsArb,
        async (ent, gst, steps) => {
          const clock = new ManualClock();
          const state = openEdgeState({ file: ':memory:' });
          const common = { state, clock, deviceId: DEVICE, loungeId: LOUNGE };
          const service = new DecisionService({
            ...common,
            resolveKey: () => publicKey,
            clockSkewSeconds: 120,
            isOffline: () => false,
            isClockSuspect: () => false,
          });
          const doubleReads = new DoubleReadFilter({ clock });
          const now = Math.floor(clock.now() / 1000);
          const jti = newInvitationId(clock.now());
          const code = await signToken(
            {
              iss: 'http://cloud.test',
              jti,
              aud: LOUNGE,
              sub: 'AbCdEfGhIjKlMnOpQrStUv',
              nbf: now - 60,
              exp: now + 86_400,
              gst,
              ent,
            },
            { kid: 'k1', privateKey },
          );
          const grants = new Map<string, number>();
          const annulled = new Set<string>();
          // The gate each scanId was first sent on: a retry re-sends it there.
          const scanGates = new Map<number, number>();
          const record = (d: Decision): void => {
            // An annulled grant never opens a gate again (a retry of it answers ANNULLED).
            if (d.decision === 'grant') expect(annulled).not.toContain(d.eventId);
            if (d.decision === 'grant') grants.set(d.eventId, d.admit);
            // A retry of an annulled grant answers ANNULLED with the grant's own eventId.
            if (d.reason === 'ANNULLED') expect(annulled).toContain(d.eventId);
          };
          const run = async (op: Op): Promise<void> => {
            const receivedAt = clock.now();
            if (op.kind === 'wait') clock.advance(op.ms);
            else if (op.kind === 'scanner') {
              const gate = GATES[op.gate]!;
              if (!doubleReads.accept(gate, code)) return;
              record(await service.scan({ code, gate, receivedAt, source: 'scanner' }));
            } else if (op.kind === 'api') {
              let gate = op.gate;
              if (op.scanId !== null) gate = scanGates.get(op.scanId) ?? gate;
              if (op.scanId !== null) scanGates.set(op.scanId, gate);
              const scanId = op.scanId === null ? undefined : `turn:${op.scanId}`;
              // Same scanId, same gate and code: a retry, never SCAN_ID_REUSED (a throw fails).
              record(
                await service.scan({
                  code,
                  gate: GATES[gate]!,
                  receivedAt,
                  source: 'api',
                  ...(scanId && { scanId }),
                }),
              );
            } else {
              const ids = [...grants.keys()];
              if (ids.length === 0) return;
              try {
                const a = annulGrant(
                  { ...common, isOffline: () => false },
                  ids[op.pick % ids.length]!,
                );
                annulled.add(a.annuls);
              } catch (err) {
                // Already annulled or too old: refused, nothing given back.
                if (!(err instanceof ProblemError)) throw err;
              }
            }
          };
          try {
            for (const step of steps) {
              await Promise.all(step.map(run));
              let admitted = 0;
              for (const [id, admit] of grants) if (!annulled.has(id)) admitted += admit;
              expect(admitted).toBeLessThanOrEqual(ent * (1 + gst));
              // Consumption agrees: one entry per live grant of this box.
              expect(state.invitations.stateOf(jti).entriesUsed).toBe(grants.size - annulled.size);
            }
          } finally {
            state.close();
          }
        },
      ),
      { numRuns: 150 },
    );
    // 150 CPU-bound runs take ~4.5 s on a shared 2-core machine: past vitest's 5 s default.
  }, 30_000);
});
