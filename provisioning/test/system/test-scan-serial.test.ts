import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '@lounge/shared';
import { openPtyPair, type PtyPair } from '@lounge/test-helpers/pty';
import { spawnProcess } from '@lounge/test-helpers/process';
import { freePort } from '@lounge/test-helpers/ports';
import { tempDir } from '../integration/cli-harness.ts';

// `test-scan` through the agent's real serial driver: socat plays the scanner on a pty, a
// tiny JWKS server plays the cloud, and no agent runs (so the decision is the offline one).
const BIN = resolve(import.meta.dirname, '../../bin/lounge-provision.js');
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const { dir, cleanup } = tempDir();
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let pty: PtyPair;
let jwksServer: Server;
let cloudUrl: string;

beforeAll(async () => {
  pty = await openPtyPair();
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
});
afterAll(async () => {
  await pty?.kill();
  await new Promise((r) => jwksServer?.close(r));
  cleanup();
});

describe('test-scan on a serial scanner', () => {
  it('reads a CR-terminated code from the pty and prints its offline decision', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        deviceId: 'dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
        loungeId: LOUNGE,
        cloudUrl,
        issuer: cloudUrl,
        deviceKeyFile: join(dir, 'device-key.json'),
        dataDir: join(dir, 'data'),
        // Nothing listens here: no agent, so the CLI decides offline.
        api: { host: '127.0.0.1', port: await freePort(), token: 'local-api-token-0123456789' },
        scanners: [
          { id: 'gate1', type: 'serial', path: pty.devicePath, baudRate: 9600, suffix: 'cr' },
        ],
      }),
      { mode: 0o600 },
    );
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(
      {
        iss: cloudUrl,
        jti: 'inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
        aud: LOUNGE,
        sub: 'AAAAAAAAAAAAAAAAAAAAAA',
        nbf: now - 60,
        exp: now + 3600,
        gst: 0,
        ent: 1,
      },
      { kid: 'k1', privateKey },
    );

    const cli = await spawnProcess(
      process.execPath,
      [BIN, 'test-scan', '--config', config, '--timeout', '30'],
      {
        readyLine: /scanner gate1: connected/,
        timeoutMs: 60_000,
      },
    );
    // Mis-programmed scanners send CR only; the driver frames on it whatever the suffix.
    await pty.write(`${token}\r`);
    expect(await cli.exited).toBe(0);
    expect(cli.stdoutLines).toContain(`scanned: ${token.slice(0, 48)}… (${token.length} chars)`);
    expect(cli.stdoutLines.at(-1)).toBe(
      'decision (dry run): grant, admit 1, entries left 0 for inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK [offline check with the cloud keys; revocations and used entries not known]',
    );
    expect(cli.stderrLines).toEqual([]);
  });

  it('fails at once, with the reason, when another program holds the port', async () => {
    const config = join(dir, 'config.json');
    // flock(1) takes the same exclusive lock serialport takes when it opens a port.
    const holder = await spawnProcess('flock', [pty.devicePath, 'sleep', '60'], {
      timeoutMs: 10_000,
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const cli = await spawnProcess(
        process.execPath,
        [BIN, 'test-scan', '--config', config, '--timeout', '30'],
        { timeoutMs: 60_000 },
      );
      expect(await cli.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(cli.stderrLines).toEqual([
        expect.stringMatching(
          /^lounge-provision: gate1 is held by another program \(.*lock.*\); stop it and try again\.$/i,
        ),
      ]);
    } finally {
      await holder.kill();
    }
  });
});
