import { ManualClock } from '@lounge/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../src/agent.ts';
import { parseConfig } from '../../src/config.ts';
import { hashPin } from '../../src/console/pin-hash.ts';
import { makeSigner, rawConfig, startFakeCloud, tempDir, type Signer } from './fixtures.ts';

// The desk console over a real socket, in-process agent: sessions, CSRF, lockout, actions.
const clock = new ManualClock(Date.UTC(2030, 5, 1, 10));
const tmp = tempDir();
let agent: Agent;
let base: string;
let signer: Signer;
let cloud: Awaited<ReturnType<typeof startFakeCloud>>;

beforeAll(async () => {
  signer = await makeSigner();
  cloud = await startFakeCloud([signer.publicJwk], clock);
  const extra = { console: { host: '127.0.0.1', port: 0 } };
  const { config } = parseConfig(rawConfig(tmp.dir, cloud.url, extra), tmp.dir);
  agent = createAgent(config, { log: pino({ level: 'silent' }), clock, defaultMetrics: false });
  agent.state.staff.upsert('ana', await hashPin('123456'), clock.now());
  base = (await agent.start()).consoleUrl!;
});
afterAll(async () => {
  await agent.stop();
  await cloud.close();
  tmp.cleanup();
});

const login = (name: string, pin: string) =>
  fetch(`${base}login`, {
    method: 'POST',
    body: new URLSearchParams({ name, pin }),
    redirect: 'manual',
  });

async function signedIn() {
  const res = await login('ana', '123456');
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!;
  const session = cookie.split(';')[0]!;
  const page = await (await fetch(base, { headers: { cookie: session } })).text();
  const csrf = /name="csrf" content="([^"]+)"/.exec(page)![1]!;
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method: 'POST',
      headers: { cookie: session, 'x-requested-with': 'fetch', 'x-csrf-token': csrf, ...headers },
      body: new URLSearchParams(form),
    });
  return { cookie, session, csrf, page, post };
}

describe('desk console', () => {
  it('serves the sign-in page, in Spanish for a Spanish browser', async () => {
    const res = await fetch(base, { headers: { 'accept-language': 'es-ES,es;q=0.9' } });
    const text = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(text).toContain('<html lang="es">');
    expect(text).toContain('Mostrador de la sala');
  });

  it('streams the live log with its security headers, and a signed-out one gets 401', async () => {
    expect((await fetch(`${base}events`)).status).toBe(401);
    const s = await signedIn();
    const abort = new AbortController();
    const res = await fetch(`${base}events`, {
      headers: { cookie: s.session },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const first = await res.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toBe(': connected\n\n');
    abort.abort();
  });

  it('signs in with a 12-hour HttpOnly SameSite=Strict cookie and wants CSRF on every post', async () => {
    const s = await signedIn();
    expect(s.cookie).toMatch(/HttpOnly/);
    expect(s.cookie).toMatch(/SameSite=Strict/);
    expect(s.cookie).toMatch(/Max-Age=43200/);
    expect(s.cookie).not.toMatch(/Secure/);
    expect(s.page).toContain('role="log" aria-label="Decisions"');
    const noToken = await s.post(
      'admit',
      { party: '2', reason: 'late crew' },
      { 'x-csrf-token': '' },
    );
    expect(noToken.status).toBe(403);
    const crossSite = await s.post(
      'admit',
      { party: '2', reason: 'late crew' },
      { origin: 'http://evil.test' },
    );
    expect(crossSite.status).toBe(403);
    const anonymous = await fetch(`${base}status`, { headers: { 'x-requested-with': 'fetch' } });
    expect(anonymous.status).toBe(401);
  });

  it('locks a name after 5 wrong PINs for 5 minutes', async () => {
    agent.state.staff.upsert('luis', await hashPin('246810'), clock.now());
    for (let i = 0; i < 4; i++) {
      const res = await login('luis', '000000');
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Wrong name or PIN.');
    }
    expect(await (await login('luis', '000000')).text()).toContain('this name is locked until');
    expect((await login('luis', '246810')).status).toBe(401);
    clock.advance(5 * 60_000);
    expect((await login('luis', '246810')).status).toBe(303);
  });

  it('admits a party by hand: an OVERRIDE grant naming the staff member, annullable', async () => {
    const s = await signedIn();
    const bad = await s.post('admit', { party: '2', reason: '' });
    expect(bad.status).toBe(400);
    const res = await s.post('admit', { party: '3', reason: 'flight delayed, crew' });
    expect(await res.text()).toContain('Admitted 3 by hand.');
    const [grant] = agent.state.accessLog.recent(1);
    expect(grant).toMatchObject({
      decision: 'grant',
      reason: 'OVERRIDE',
      invitationId: null,
      admit: 3,
      gate: 'desk',
      staff: 'ana',
      note: 'flight delayed, crew',
    });
    const published = agent.state.outbox.pending(100).map((p) => p.event);
    expect(published.at(-1)).toMatchObject({
      type: 'grant',
      eventId: grant!.eventId,
      invitationId: null,
      admit: 3,
      reason: 'OVERRIDE',
      staff: 'ana',
    });
    const annul = await s.post('annul', { eventId: grant!.eventId });
    expect(await annul.text()).toContain('Entry annulled: 3 given back.');
    expect(agent.state.accessLog.recent(1)[0]).toMatchObject({
      reason: 'ANNULLED',
      annuls: grant!.eventId,
      staff: 'ana',
      invitationId: null,
    });
    const twice = await s.post('annul', { eventId: grant!.eventId });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('already annulled');
  });

  it('checks a code without consuming it, and annuls only within 5 minutes', async () => {
    const s = await signedIn();
    const code = await signer.token(clock, { gst: 1 });
    const check = (await (await s.post('check', { code })).text()).replace(/\s+/g, ' ');
    expect(check).toContain('Would be let in');
    expect(check).toContain('Entries left: 1');
    const grant = await agent.scan({ code, gate: 'g1', receivedAt: clock.now(), source: 'api' });
    expect(grant).toMatchObject({ decision: 'grant', admit: 2 });
    clock.advance(5 * 60_000 + 1);
    const late = await s.post('annul', { eventId: grant.eventId });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('Too late');
    const status = await (await fetch(`${base}status`, { headers: { cookie: s.session } })).text();
    expect(status.replace(/\s+/g, ' ')).toMatch(
      /People admitted: <strong id="admitted">2<\/strong>/,
    );
  });

  it('ends the sessions of someone removed with remove-staff', async () => {
    agent.state.staff.upsert('eva', await hashPin('135790'), clock.now());
    const res = await login('eva', '135790');
    const session = res.headers.get('set-cookie')!.split(';')[0]!;
    agent.state.staff.remove('eva');
    const after = await fetch(base, { headers: { cookie: session } });
    expect(await after.text()).toContain('name="pin"');
  });
});
