import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { signToken } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { oneLine, provision, tempDir } from './cli-harness.ts';

// `test-scan` with the agent running: the agent holds the scanner, so the CLI asks it to take
// the next read as a dry run (POST /v1/scanners/:id/test) and nothing is consumed. The agent
// is the real `lounge-edge` process with a `stdin` scanner the test types into.
const EDGE = resolve(import.meta.dirname, '../../../edge-agent/bin/lounge-edge.js');
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const TOKEN = 'local-api-token-0123456789';
const { dir, cleanup } = tempDir();
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let jwksServer: Server;
let cloudUrl: string;
let agent: SpawnedProcess;
let apiPort: number;
const config = join(dir, 'config.json');

beforeAll(async () => {
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA' }] };
  jwksServer = createServer((req, res) => {
    res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, {
      'content-type': 'application/json',
    });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const address = jwksServer.address();
  cloudUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  apiPort = await freePort();
  writeFileSync(
    join(dir, 'device-key.json'),
    JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), d: 'B'.repeat(43) }),
    { mode: 0o600 },
  );
  writeFileSync(
    config,
    JSON.stringify({
      deviceId: 'dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
      loungeId: LOUNGE,
      cloudUrl,
      issuer: cloudUrl,
      deviceKeyFile: 'device-key.json',
      dataDir: 'data',
      api: { host: '127.0.0.1', port: apiPort, token: TOKEN },
      scanners: [
        { id: 'desk', type: 'stdin' },
        { id: 'gate9', type: 'serial', path: join(dir, 'ttyUSB9'), suffix: 'cr' },
      ],
    }),
    { mode: 0o600 },
  );
}, 60_000);
afterAll(async () => {
  await agent?.kill();
  await new Promise((r) => jwksServer?.close(r));
  cleanup();
});

async function token(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(
    {
      iss: cloudUrl,
      jti: 'inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
      aud: LOUNGE,
      sub: 'AAAAAAAAAAAAAAAAAAAAAA',
      nbf: now - 60,
      exp: now + 3600,
      gst: 1,
      ent: 1,
    },
    { kid: 'k1', privateKey },
  );
}

describe('test-scan', { timeout: 120_000 }, () => {
  it('fails at once when the serial device is absent (agent stopped)', async () => {
    const started = Date.now();
    const r = await provision(['test-scan', '--config', config, '--scanner', 'gate9']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `lounge-provision: gate9: ${join(dir, 'ttyUSB9')} does not exist; check the cable and the path (lounge-provision scanners lists the ports).`,
    );
    // Well under the default 30 s wait (process start-up included).
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('with the agent running, asks it for a dry run of the next read: nothing consumed', async () => {
    agent = await spawnProcess(process.execPath, [EDGE, '--config', config], {
      env: { ...process.env, LOG_FORMAT: 'json' },
      readyLine: /lounge-edge started/,
      killOnTestEnd: false,
      timeoutMs: 60_000,
    });
    const code = await token();
    const cli = await spawnProcess(
      process.execPath,
      [
        resolve(import.meta.dirname, '../../bin/lounge-provision.js'),
        'test-scan',
        '--config',
        config,
        '--timeout',
        '30',
      ],
      { readyLine: /waiting up to 30 s for a scan on desk/, timeoutMs: 60_000 },
    );
    expect(cli.stdoutLines[0]).toBe(
      'the agent is running: it takes the next read on desk as a dry run',
    );
    // Let the test reach the agent, then scan on the agent's own scanner.
    await agent.waitForLine(/scanner test: taking the next read/, 30_000);
    agent.child.stdin!.write(`${code}\n`);
    expect(await cli.exited).toBe(0);
    expect(cli.stdoutLines).toContain(`scanned: ${code.slice(0, 48)}… (${code.length} chars)`);
    expect(cli.stdoutLines.at(-1)).toBe(
      'decision (dry run): grant, admit 2, entries left 0 for inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK [the running agent]',
    );
    expect(cli.stderrLines).toEqual([]);
    // Nothing was consumed: the guest's real scan is still a grant.
    const res = await fetch(`http://127.0.0.1:${apiPort}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(await res.json()).toMatchObject({ decision: 'grant', reason: 'OK' });
  });

  it('with the agent running, a scan that never comes is a 408 in one line', async () => {
    const r = await provision(['test-scan', '--config', config, '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      'lounge-provision: No scan within 1 s on desk; check the cable, the scanner mode and the udev rules.',
    );
  });
});
