import { createDeviceAssertion, newEventId } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvitationView } from '../../src/domain/views.ts';
import { addOtherLounge, enrollDevice, OTHER_LOUNGE, refusals } from './broker-fixtures.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

// POST /v1/entries checks every event on its own (SPEC.md 5), forged entries first.
let cloud: TestCloud;
type Device = Awaited<ReturnType<typeof enrollDevice>>;
let mad: Device;
let mad2: Device;
let bcn: Device;
let customer = 0;

beforeAll(async () => {
  cloud = await makeCloud();
  await addOtherLounge(cloud);
  [mad, mad2, bcn] = [
    await enrollDevice(cloud, LOUNGE),
    await enrollDevice(cloud, LOUNGE),
    await enrollDevice(cloud, OTHER_LOUNGE),
  ];
});
afterAll(() => cloud.close());

const as = (d: Device) =>
  createDeviceAssertion({
    deviceId: d.deviceId,
    privateKey: d.privateJwk,
    audience: PUBLIC_URL,
    nowMs: cloud.clock.now(),
  });

type Answer = { accepted: string[]; refused: { eventId: string; code: string }[] };
const post = async (d: Device, body: unknown) =>
  cloud.call<Answer>('POST', '/v1/entries', { body, key: await as(d) });

/** A one-entry invitation (no guests) of MAD, or of BCN with `bcn`. */
async function invitation(at: 'mad' | 'bcn' = 'mad'): Promise<InvitationView> {
  const body = cloud.invitationBody({ customerId: `IB08${String(customer++).padStart(2, '0')}` });
  const res = await cloud.call<InvitationView>('POST', '/v1/invitations', {
    body:
      at === 'mad'
        ? { ...body, guests: 0 }
        : {
            ...body,
            guests: 0,
            loungeId: OTHER_LOUNGE,
            flight: { ...body.flight, number: 'IB3100' },
          },
  });
  expect(res.status).toBe(201);
  return res.json;
}

const status = async (id: string) =>
  (await cloud.call<InvitationView>('GET', `/v1/invitations/${id}`)).json.status;

const grant = (d: Device, invitationId: string | null, over: Record<string, unknown> = {}) => ({
  type: 'grant',
  eventId: newEventId(),
  deviceId: d.deviceId,
  gate: 'gate1',
  at: new Date(cloud.clock.now()).toISOString(),
  invitationId,
  admit: 1,
  reason: 'OK',
  ...over,
});
const annul = (d: Device, annuls: string, over: Record<string, unknown> = {}) => ({
  type: 'annul',
  eventId: newEventId(),
  deviceId: d.deviceId,
  gate: 'gate1',
  at: new Date(cloud.clock.now()).toISOString(),
  annuls,
  ...over,
});

describe('POST /v1/entries refuses what a box may not say', () => {
  it("refuses a grant for another lounge's invitation (WRONG_LOUNGE), applying nothing", async () => {
    const inv = await invitation('mad');
    const e = grant(bcn, inv.id);
    const res = await post(bcn, { events: [e] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      accepted: [],
      refused: [{ eventId: e.eventId, code: 'WRONG_LOUNGE' }],
    });
    expect(await status(inv.id)).toBe('issued');
    expect((await refusals(cloud))['http:WRONG_LOUNGE']).toBeGreaterThanOrEqual(1);
  });

  it('refuses events that name another box as author (WRONG_DEVICE)', async () => {
    const inv = await invitation('mad');
    const sameLounge = grant(mad2, inv.id);
    const otherLounge = grant(mad, inv.id); // the attack: a BCN box naming a MAD box
    expect((await post(mad, { events: [sameLounge] })).json.refused).toEqual([
      { eventId: sameLounge.eventId, code: 'WRONG_DEVICE' },
    ]);
    expect((await post(bcn, { events: [otherLounge] })).json.refused).toEqual([
      { eventId: otherLounge.eventId, code: 'WRONG_DEVICE' },
    ]);
    expect(await status(inv.id)).toBe('issued');
  });

  it('refuses admit -1 (INVALID_EVENT): /v1/validate never grants a used 1-entry code twice', async () => {
    const inv = await invitation('mad');
    const validate = async () =>
      (
        await cloud.call<{ decision: string; reason: string }>('POST', '/v1/validate', {
          body: { code: inv.token, loungeId: LOUNGE, consume: true },
          key: await as(mad),
        })
      ).json;
    expect(await validate()).toMatchObject({ decision: 'grant' });
    const negative = grant(mad, inv.id, { admit: -1 });
    expect((await post(mad, { events: [negative] })).json.refused).toEqual([
      { eventId: negative.eventId, code: 'INVALID_EVENT' },
    ]);
    // The old body shape, with which the attack used to work, is not a batch at all.
    const { type: _t, reason: _r, ...legacy } = negative;
    expect((await post(mad, { entries: [legacy] })).status).toBe(400);
    expect(await validate()).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
    expect(await cloud.store.entriesUsed(inv.id)).toBe(1);
  });

  it('takes an annul only of a grant of the same device, once, within 5 minutes', async () => {
    const inv = await invitation('mad');
    const g = grant(mad, inv.id);
    expect((await post(mad, { events: [g] })).json.accepted).toEqual([g.eventId]);
    const foreign = annul(mad2, g.eventId);
    const unknown = annul(mad, newEventId());
    expect((await post(mad2, { events: [foreign] })).json.refused[0]?.code).toBe('UNKNOWN_GRANT');
    expect((await post(mad, { events: [unknown] })).json.refused[0]?.code).toBe('UNKNOWN_GRANT');
    expect(await status(inv.id)).toBe('used');
    const own = annul(mad, g.eventId);
    const again = annul(mad, g.eventId);
    const res = await post(mad, { events: [own, again] });
    expect(res.json).toEqual({
      accepted: [own.eventId],
      refused: [{ eventId: again.eventId, code: 'UNKNOWN_GRANT' }],
    });
    expect(await status(inv.id)).toBe('issued');
    expect(await cloud.store.entriesUsed(inv.id)).toBe(0);

    const late = grant(mad, inv.id);
    await post(mad, { events: [late] });
    cloud.clock.advance(5 * 60_000 + 1);
    const tooLate = annul(mad, late.eventId);
    expect((await post(mad, { events: [tooLate] })).json.refused[0]?.code).toBe('UNKNOWN_GRANT');
    expect(await cloud.store.entriesUsed(inv.id)).toBe(1);
  });

  it('answers per event: stored ids count as accepted, unknown invitations and bad events are refused', async () => {
    const inv = await invitation('mad');
    const g = grant(mad, inv.id);
    const override = grant(mad, null, { reason: 'OVERRIDE', staff: 'ana', admit: 3 });
    const exit = { ...annul(mad, g.eventId), type: 'exit', count: 2, annuls: undefined };
    delete exit.annuls;
    const stranger = grant(mad, 'inv_01JZZZZZZZZZZZZZZZZZZZZZZZ');
    const junk = { eventId: 'evt_junk', type: 'grant' };
    const res = await post(mad, { events: [g, override, exit, stranger, junk] });
    expect(res.json).toEqual({
      accepted: [g.eventId, override.eventId, exit.eventId],
      refused: [
        { eventId: stranger.eventId, code: 'UNKNOWN_INVITATION' },
        { eventId: 'evt_junk', code: 'INVALID_EVENT' },
      ],
    });
    expect((await post(mad, { events: [g] })).json).toEqual({ accepted: [g.eventId], refused: [] });
    expect(await cloud.store.entriesUsed(inv.id)).toBe(1);
    for (const bad of [{ events: [] }, { events: [{ type: 'grant' }] }, { events: [g], x: 1 }]) {
      expect((await post(mad, bad)).json).toMatchObject({ code: 'INVALID_REQUEST' });
    }
    const metrics = await cloud.call('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(
      /lounge_events_refused_total\{channel="http",code="UNKNOWN_INVITATION"\} \d/,
    );
  });
});

describe('a double consumption the cloud sees (SPEC.md 8)', () => {
  it('counts it and marks both grants in the IBDP invitations dataset', async () => {
    const inv = await invitation('mad');
    // Two boxes granted the 1-entry code before either heard of the other.
    const first = grant(mad, inv.id);
    const second = grant(mad2, inv.id);
    expect((await post(mad, { events: [first] })).json.accepted).toEqual([first.eventId]);
    expect((await post(mad2, { events: [second] })).json.accepted).toEqual([second.eventId]);
    expect(await cloud.store.entriesUsed(inv.id)).toBe(2);

    const metrics = await cloud.call('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(/^lounge_double_consumptions_total 1$/m);

    const rows = await cloud.store.claimOutbox('t', cloud.clock.now(), 500, 60_000, ['ibdp']);
    const records = rows
      .map((r) => (JSON.parse(r.payload) as { record: Record<string, unknown> }).record)
      .filter((r) => r.invitationId === inv.id && r.change === 'entry');
    const marked = records.filter((r) => r.doubleConsumption === true);
    expect(marked).toHaveLength(2);
    expect(marked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          entryEventId: second.eventId,
          doubleConsumptionWith: [first.eventId],
        }),
        expect.objectContaining({
          entryEventId: first.eventId,
          restated: true,
          doubleConsumptionWith: [second.eventId],
        }),
      ]),
    );
    // The first grant's own record went out unmarked: the restatement supersedes it.
    expect(records.filter((r) => r.entryEventId === first.eventId)).toHaveLength(2);
  });
});
