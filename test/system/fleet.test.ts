import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrolFleet,
  seedInvitations,
  startSimFleet,
  type SimFleet,
} from '../../bench/lib/fleet.ts';
import { brokerRestart, fanOut, fleetView } from '../../bench/lib/fleet-phases.ts';
import { startFleetStack, type FleetStack } from '../../bench/lib/fleet-stack.ts';
import { waitUntil } from '../../bench/lib/stats.ts';

// The fleet bench's smoke test (SPEC.md 10; docs/performance.md "Fleet"): 50 simulated boxes
// running the edge's real sync, each its own dynsec login and persistent session on mosquitto,
// two cloud processes on one PostgreSQL. Behaviour only; the times are the bench's.
const BOXES = 50;
let stack: FleetStack;
let fleet: SimFleet | undefined;

beforeAll(async () => {
  stack = await startFleetStack();
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await stack?.stop();
});

describe('a fleet of 50 boxes on two cloud instances', () => {
  it('fans a revocation out to every box, catches all up after a broker restart, lists all', async () => {
    const ids = await enrolFleet(stack, BOXES);
    const invitations = await seedInvitations(stack, 4);
    // A 2 s first-retry window instead of the edge's 10 s keeps the file short; the default's
    // spread is unit-tested (mqtt-link.test.ts) and measured by the bench.
    fleet = await startSimFleet(ids, { batch: BOXES, reconnect: { baseMs: 2000, maxMs: 10_000 } });
    await waitUntil(() => fleet!.allAt(0) && fleet!.edges.every((e) => e.connected()), 30_000, 50);

    const latencies = await fanOut(stack, fleet, invitations[0]!);
    expect(latencies).toHaveLength(BOXES);
    expect(fleet.edges.every((e) => e.state.invitations.stateOf(invitations[0]!).revoked)).toBe(
      true,
    );

    // Sessions and retained messages gone; three revocations only the feed can tell of.
    const restart = await brokerRestart(stack, fleet, invitations.slice(1), { timeoutMs: 45_000 });
    expect(fleet.allAt(restart.head)).toBe(true);
    const catchUps = restart.requests.filter((r) => r.kind === 'revocations');
    expect(catchUps.length).toBeGreaterThanOrEqual(BOXES);
    expect(restart.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(restart.server.failed).toBe(0);
    expect(restart.curve.at(-1)?.caughtUp).toBe(BOXES);

    // Every box's heartbeat reached the fleet view, on both instances.
    await waitUntil(
      async () => {
        const res = await stack.api(1, 'GET', '/v1/devices');
        const { devices } = (await res.json()) as { devices: { heartbeat: unknown }[] };
        return devices.filter((d) => d.heartbeat !== null).length === BOXES;
      },
      20_000,
      200,
    );
    const view = await fleetView(stack, BOXES, 2);
    expect(view).toMatchObject({ listed: BOXES, stale: 0 });
  });
});
