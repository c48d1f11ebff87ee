import { describe, expect, it } from 'vitest';
import { openEdgeState, PeerEvents } from './index.ts';

const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const ME = 'dev_01J0000000000000000000000A';
const PEER = 'dev_01J0000000000000000000000B';
const OTHER = 'dev_01J0000000000000000000000C';
const INV = 'inv_01J00000000000000000000001';
const T = Date.UTC(2030, 0, 1, 10); // only differences matter
const evt = (n: number) => `evt_01J${String(n).padStart(23, '0')}`;

const grant = (n: number, over: Record<string, unknown> = {}) => ({
  type: 'grant',
  eventId: evt(n),
  deviceId: PEER,
  gate: 'g2',
  at: new Date(T).toISOString(),
  invitationId: INV,
  admit: 1,
  reason: 'OK',
  ...over,
});
const annul = (n: number, annuls: number, over: Record<string, unknown> = {}) => ({
  type: 'annul',
  eventId: evt(n),
  deviceId: PEER,
  gate: 'g2',
  at: new Date(T + 60_000).toISOString(),
  annuls: evt(annuls),
  ...over,
});

function setup() {
  const state = openEdgeState({ file: ':memory:' });
  const peers = new PeerEvents(state.db, state.invitations, { deviceId: ME, loungeId: LOUNGE });
  const used = () => state.invitations.stateOf(INV).entriesUsed;
  return { state, peers, used };
}
const code = (r: ReturnType<PeerEvents['apply']>) => (typeof r === 'object' ? r.refused : r);

describe('peer lounge events', () => {
  it('counts a grant once and lets its own device annul it once', () => {
    const { peers, used } = setup();
    expect(code(peers.apply(grant(1), T))).toBe('applied');
    expect(code(peers.apply(grant(1), T))).toBe('duplicate');
    expect(used()).toBe(1);
    expect(code(peers.apply(annul(2, 1), T))).toBe('applied');
    expect(used()).toBe(0);
    expect(code(peers.apply(annul(3, 1), T))).toBe('UNKNOWN_GRANT');
    expect(code(peers.apply(annul(2, 1), T))).toBe('duplicate');
    expect(used()).toBe(0);
  });

  it('ignores a grant with admit -1 (it used to give an entry back)', () => {
    const { peers, used } = setup();
    peers.apply(grant(1), T);
    expect(code(peers.apply(grant(2, { admit: -1 }), T))).toBe('INVALID_EVENT');
    expect(used()).toBe(1);
  });

  it("ignores an annul of another device's grant, an unknown one and a late one", () => {
    const { peers, used } = setup();
    peers.apply(grant(1), T);
    expect(code(peers.apply(annul(2, 1, { deviceId: OTHER }), T))).toBe('UNKNOWN_GRANT');
    expect(code(peers.apply(annul(3, 9), T))).toBe('UNKNOWN_GRANT');
    const late = { at: new Date(T + 300_001).toISOString() };
    expect(code(peers.apply(annul(4, 1, late), T))).toBe('UNKNOWN_GRANT');
    expect(used()).toBe(1);
  });

  it('ignores an event that names this box as author but is not ours, and our echo', () => {
    const { state, peers, used } = setup();
    expect(code(peers.apply(grant(1, { deviceId: ME }), T))).toBe('WRONG_DEVICE');
    expect(used()).toBe(0);
    state.invitations.recordEntry(evt(5), INV, ME, 1, T);
    expect(code(peers.apply(grant(5, { deviceId: ME }), T))).toBe('echo');
    expect(used()).toBe(1);
  });

  it('records code-less grants, exits and adjusts without touching consumption', () => {
    const { peers, used } = setup();
    const override = grant(1, { invitationId: null, reason: 'OVERRIDE', staff: 'ana', admit: 4 });
    expect(code(peers.apply(override, T))).toBe('applied');
    expect(code(peers.apply(annul(2, 1), T))).toBe('applied');
    const exit = { ...annul(3, 1), type: 'exit', annuls: undefined, count: 2 };
    delete exit.annuls;
    expect(code(peers.apply(exit, T))).toBe('applied');
    expect(used()).toBe(0);
  });
});
