import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Decision } from '@lounge/shared';
import { childEnv } from '@lounge/test-helpers/child-env';
import { describe, expect, it } from 'vitest';
import { readSse } from '../../scripts/demo/events.ts';
import { pickPort, portFromEnv } from '../../scripts/demo/ports.ts';
import { decisionLine, otherEventLine, tryNextBlock } from '../../scripts/demo/print.ts';
import type { Invitation } from '../../scripts/demo/setup.ts';

// The demo's pure parts, fast; demo.test.ts runs the whole thing.
const base: Decision = {
  decision: 'grant',
  reason: 'OK',
  invitationId: 'inv_01M8A3W38QTX6TANMFK5KDXH2V',
  admit: 2,
  entriesLeft: 0,
  validUntil: '2026-11-25T22:30:00.000Z',
  gate: 'console',
  eventId: 'evt_01M8A3W38QTX6TANMFK5KDXH2V',
  decidedAt: '2026-11-25T20:00:00.000Z',
  offline: false,
};

describe('decisionLine', () => {
  it('prints grants and denies in one line each', () => {
    expect(decisionLine(base)).toBe(
      '✔ GRANT inv_01M8A3W38QTX6TANMFK5KDXH2V admit 2 (gate console)',
    );
    expect(decisionLine({ ...base, scanId: 'turnstile-0001', entriesLeft: 1 })).toBe(
      '✔ GRANT inv_01M8A3W38QTX6TANMFK5KDXH2V admit 2 (gate console, scanId turnstile-0001, 1 more entry)',
    );
    const deny = { ...base, decision: 'deny' as const, admit: 0 };
    expect(decisionLine({ ...deny, reason: 'REVOKED' })).toBe(
      '✖ DENY REVOKED inv_01M8A3W38QTX6TANMFK5KDXH2V (gate console)',
    );
    expect(decisionLine({ ...deny, reason: 'MALFORMED', invitationId: null, offline: true })).toBe(
      '✖ DENY MALFORMED (gate console, offline)',
    );
  });

  it('prints annulments and unknown events', () => {
    const annul = JSON.stringify({ invitationId: 'inv_1', annuls: 'evt_1', gate: 'turnstile' });
    expect(otherEventLine('annul', annul)).toBe(
      '↺ ANNUL inv_1: grant evt_1 given back (gate turnstile)',
    );
    expect(otherEventLine('other', '{}')).toBe('· other: {}');
  });
});

describe('readSse', () => {
  it('splits events across chunk boundaries and skips comments', async () => {
    const text =
      ': connected\n\nevent: decision\ndata: {"a":\r\ndata: 1}\n\nevent: annul\ndata: x\n\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const events = [];
    for await (const e of readSse(stream)) events.push(e);
    expect(events).toEqual([
      { event: 'decision', data: '{"a":\n1}' },
      { event: 'annul', data: 'x' },
    ]);
  });
});

describe('ports', () => {
  it('keeps a free preferred port and moves off a taken one', async () => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const busy = (server.address() as { port: number }).port;
    try {
      const taken = new Set<number>();
      const moved = await pickPort(busy, taken);
      expect(moved.fellBack).toBe(true);
      expect(moved.port).not.toBe(busy);
      // The port just handed out counts as taken even though nothing listens on it yet.
      const again = await pickPort(moved.port, taken);
      expect(again.fellBack).toBe(true);
      expect(again.port).not.toBe(moved.port);
    } finally {
      server.close();
    }
  });

  it('reads ports from the environment and names a bad variable', () => {
    expect(portFromEnv({}, 'LOUNGE_DEMO_CLOUD_PORT', 18080)).toBe(18080);
    expect(portFromEnv({ LOUNGE_DEMO_CLOUD_PORT: '9000' }, 'LOUNGE_DEMO_CLOUD_PORT', 1)).toBe(9000);
    expect(() => portFromEnv({ LOUNGE_DEMO_CLOUD_PORT: 'x' }, 'LOUNGE_DEMO_CLOUD_PORT', 1)).toThrow(
      'LOUNGE_DEMO_CLOUD_PORT must be a port number',
    );
  });
});

describe('tryNextBlock', () => {
  it('uses the real ports and keys, quoted for a POSIX shell', () => {
    const inv = { id: 'inv_X', token: "a.b'c.d" } as Invitation;
    const text = tryNextBlock(
      {
        cloudUrl: 'http://127.0.0.1:1',
        edgeUrl: 'http://127.0.0.1:2',
        appKey: 'lk_app',
        adminKey: 'adm',
        edgeToken: 'edge-tok',
        loungeId: 'MAD-T4S-VELAZQUEZ',
        today: '2026-11-25',
        dir: '/tmp/d',
      },
      inv,
    );
    expect(text).toContain(
      "curl -s http://127.0.0.1:1/v1/invitations/inv_X/revoke -H 'Authorization: Bearer lk_app'",
    );
    expect(text).toContain(
      `-d '{"code":"a.b'\\''c.d","gate":"turnstile","scanId":"turnstile-0001"}'`,
    );
    expect(text).toContain("http://127.0.0.1:2/v1/scan -H 'Authorization: Bearer edge-tok'");
  });
});

describe('childEnv', () => {
  it('drops the cloud settings of the caller and keeps the rest', () => {
    const env = childEnv({
      PATH: '/bin',
      LOG_LEVEL: 'debug',
      MQTT_URL: 'mqtt://elsewhere',
      DATABASE_URL: 'postgres://prod',
      IBDP_TOKEN: 't',
      LOUNGE_EDGE_CONFIG: '/etc/lounge-edge/config.json',
    });
    expect(env).toEqual({ PATH: '/bin', LOG_LEVEL: 'debug' });
  });
});

describe('orphan guard', () => {
  it('ends a detached child once the demo that started it is killed', async () => {
    const guard = pathToFileURL(resolve(import.meta.dirname, '../../scripts/demo/orphan-guard.js'));
    // The "demo": starts a guarded child in its own group, as children.ts does, prints its pid.
    const child = `setInterval(() => {}, 1000);`;
    const demo = `const c = require('node:child_process').spawn(process.execPath, ['--import', ${JSON.stringify(guard.href)}, '-e', ${JSON.stringify(child)}], { detached: true, stdio: 'ignore', env: { ...process.env, LOUNGE_DEMO_PID: String(process.pid) } }); console.log(c.pid); setInterval(() => {}, 1000);`;
    // Killed at once: the child may still be loading when its parent is gone.
    const parent = spawn(process.execPath, ['-e', demo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((ok) =>
      parent.stdout.once('data', (b) => ok(Number(String(b)))),
    );
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      expect(alive()).toBe(true);
      parent.kill('SIGKILL');
      await expect.poll(alive, { timeout: 5_000, interval: 100 }).toBe(false);
    } finally {
      if (alive()) process.kill(pid, 'SIGKILL');
    }
  });
});
