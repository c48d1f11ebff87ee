import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess } from '@lounge/test-helpers/process';

// `npm start` end to end: the real cloud, provisioning CLI and edge agent as child processes.
const DEMO = resolve(import.meta.dirname, '../../scripts/demo.js');
const START_MS = 150_000; // three tsx processes on a busy 2-core CI machine

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanups.push(() => server.close());
  return { port: (server.address() as { port: number }).port, server };
}

async function demoEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    LOUNGE_DEMO_CLOUD_PORT: String(await freePort()),
    LOUNGE_DEMO_MQTT_PORT: String(await freePort()),
    LOUNGE_DEMO_EDGE_PORT: String(await freePort()),
    LOUNGE_DEMO_CONSOLE_PORT: String(await freePort()),
    LOUNGE_DEMO_DIR: '',
    LOUNGE_DEMO_KEEP: '',
    ...extra,
  };
}

describe('npm start (the demo)', () => {
  it(
    'prints a QR and token, decides pasted lines, sees a revocation, stops every child on SIGINT',
    async () => {
      const busy = await occupy(); // the preferred cloud port is taken: the demo must move
      const demo = await spawnProcess(process.execPath, [DEMO], {
        env: await demoEnv({ LOUNGE_DEMO_CLOUD_PORT: String(busy.port) }),
      });
      const tokenLine = await demo.waitForLine(/^token: /, START_MS);
      const token = tokenLine.slice('token: '.length);
      expect(token.split('.')).toHaveLength(3);
      expect(demo.stdoutLines.join('\n')).toContain(`port ${busy.port} is taken`);
      expect(
        demo.stdoutLines.some((l) =>
          /^png: +http:\/\/127\.0\.0\.1:\d+\/v1\/invitations\/inv_\w+\/qr\.png\?exp=\d+&sig=/.test(
            l,
          ),
        ),
      ).toBe(true);
      expect(demo.stdoutLines.some((l) => l.includes('▄'))).toBe(true); // the terminal QR
      // The desk console: its address and a demo login, and it answers with its sign-in page.
      const desk = await demo.waitForLine(/^desk console: open /);
      expect(desk).toMatch(/^desk console: open (http:\S+) and sign in as demo, PIN 123456$/);
      const deskPage = await fetch(/open (\S+)/.exec(desk)![1]!);
      expect(await deskPage.text()).toContain('name="pin"');
      const dir = (await demo.waitForLine(/starting in /)).split('starting in ')[1]!;
      const pids = demo.stdoutLines
        .flatMap((l) => [...l.matchAll(/\(pid (\d+),/g)])
        .map((m) => Number(m[1]));
      expect(pids.length).toBeGreaterThanOrEqual(2);
      expect(pids.every(isRunning)).toBe(true);
      await demo.waitForLine(/^Decisions:/);

      const invitationId = /"jti":"(inv_\w+)"/.exec(
        Buffer.from(token.split('.')[1]!, 'base64url').toString(),
      )![1]!;
      demo.child.stdin!.write(`${token}\n`);
      const firstPasteAt = Date.now();
      const grant = await demo.waitForLine(/GRANT/, 15_000);
      expect(grant).toBe(`✔ GRANT ${invitationId} admit 2 (gate console)`);
      demo.child.stdin!.write('not a token at all\n');
      expect(await demo.waitForLine(/DENY/, 15_000)).toBe('✖ DENY MALFORMED (gate console)');
      // The access logs reach the IBDP stand-in under its path prefix (SPEC.md 8 and 9).
      expect(await demo.waitForLine(/stored by the IBDP stand-in/, 15_000)).toMatch(
        /^ {2}↑ access log stored by the IBDP stand-in at http:\/\/127\.0\.0\.1:\d+\/stub\/ibdp /,
      );

      // The printed revoke command's ingredients: revoke, wait for the edge to hear of it, paste.
      const facts = await demo.waitForLine(/^Admin key /);
      const appKey = /app key (\S+),/.exec(facts)![1]!;
      const cloudUrl = /^\s+cloud\s+(http:\S+)/m.exec(demo.stdoutLines.join('\n'))![1]!;
      const edgeUrl = /^\s+edge dev_\w+\s+(http:\S+)/m.exec(demo.stdoutLines.join('\n'))![1]!;
      const revoked = await fetch(`${cloudUrl}/v1/invitations/${invitationId}/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${appKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'test' }),
      });
      expect(revoked.status).toBe(200);
      await expect
        .poll(
          async () => {
            const health = (await (await fetch(`${edgeUrl}/healthz`)).json()) as {
              sync: { revocationSeq: number };
            };
            return health.sync.revocationSeq;
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBeGreaterThanOrEqual(1);
      await expect
        .poll(
          async () => {
            const h = (await (await fetch(`${edgeUrl}/healthz`)).json()) as {
              status: string;
              uploads: { pending: number; lastUploadAt: string | null; lastError: unknown };
            };
            return [
              h.status,
              h.uploads.pending,
              h.uploads.lastUploadAt !== null,
              h.uploads.lastError,
            ];
          },
          { timeout: 15_000, interval: 200 },
        )
        .toEqual(['ok', 0, true, null]);
      expect(demo.stdoutLines.join('\n')).not.toContain('upload failed');
      // The same code on the same scanner within 1.5 s is a double read, dropped (SPEC.md 8):
      // the demo runs on the real clock, so paste again only once that window has passed.
      const sinceFirst = Date.now() - firstPasteAt;
      if (sinceFirst < 1600) await new Promise((r) => setTimeout(r, 1600 - sinceFirst));
      demo.child.stdin!.write(`${token}\n`);
      expect(await demo.waitForLine(/DENY REVOKED/, 15_000)).toBe(
        `✖ DENY REVOKED ${invitationId} (gate console)`,
      );

      const t0 = Date.now();
      process.kill(demo.pid, 'SIGINT'); // the demo alone, as a terminal Ctrl-C would reach it
      expect(await demo.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(pids.filter(isRunning)).toEqual([]);
      expect(existsSync(dir)).toBe(false); // the temp folder is gone
    },
    START_MS + 30_000,
  );

  it(
    'names the log of a child that dies at start and exits 1 with nothing left running',
    async () => {
      // An invalid LOG_LEVEL passes through to the cloud, which refuses to start.
      const demo = await spawnProcess(process.execPath, [DEMO], {
        env: await demoEnv({ LOG_LEVEL: 'loud' }),
      });
      expect(await demo.exited).toBe(1);
      const error = demo.stderrLines.join('\n');
      const log = /see its log: (\S+cloud\.log)/.exec(error)?.[1];
      expect(error).toMatch(/the cloud (exited early|stopped while starting)/);
      expect(log && existsSync(log)).toBeTruthy(); // the folder is kept for the log
      const dir = (await demo.waitForLine(/starting in /)).split('starting in ')[1]!;
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    },
    START_MS,
  );
});
