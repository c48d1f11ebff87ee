import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '@lounge/test-helpers/ports';
import { killAllProcesses, spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';

// Zombies still answer kill(pid, 0): read the state from /proc instead.
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const node = process.execPath;
const forever = 'setInterval(() => {}, 1000);';

describe('spawnProcess', () => {
  let fromHook: SpawnedProcess;
  beforeAll(async () => {
    fromHook = await spawnProcess(node, ['-e', `console.log('hook up'); ${forever}`], {
      readyLine: /hook up/,
    });
  });
  afterAll(() => killAllProcesses());

  it('waits for the ready line and keeps collecting lines', async () => {
    const script = `console.log('listening on 42'); console.error('warn'); setTimeout(() => console.log('later'), 100); ${forever}`;
    const p = await spawnProcess(node, ['-e', script], { readyLine: /listening on (\d+)/ });
    expect(p.stdoutLines).toContain('listening on 42');
    expect(await p.waitForLine(/^warn$/)).toBe('warn');
    expect(await p.waitForLine(/later/, 5_000)).toBe('later');
    expect(p.stdoutLines).toEqual(['listening on 42', 'later']);
    expect(await p.kill()).toBeNull(); // ended by SIGTERM
  });

  it('SIGKILLs the whole process group, grandchildren included', async () => {
    const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', '${forever}'], { stdio: 'ignore' }); console.log('child ' + c.pid); ${forever}`;
    const p = await spawnProcess(node, ['-e', script], { readyLine: /child \d+/ });
    const grandchild = Number((await p.waitForLine(/child/)).split(' ')[1]);
    expect(alive(grandchild)).toBe(true);
    expect(await p.killHard()).toBeNull();
    await expect.poll(() => alive(grandchild)).toBe(false);
    expect(alive(p.pid)).toBe(false);
  });

  it('still reaches a grandchild after its parent exited', async () => {
    const p = await spawnProcess('sh', ['-c', 'sleep 60 & echo orphan $!; exit 0'], {
      readyLine: /orphan \d+/,
    });
    const orphan = Number((await p.waitForLine(/orphan/)).split(' ')[1]);
    expect(await p.exited).toBe(0);
    expect(alive(orphan)).toBe(true);
    await p.killHard();
    await expect.poll(() => alive(orphan)).toBe(false);
  });

  it('reports the exit code and the output when it dies before the ready line', async () => {
    const start = spawnProcess(node, ['-e', `console.error('bad config: port'); process.exit(3)`], {
      readyLine: /listening/,
    });
    await expect(start).rejects.toThrow(/exited \(3\)[\s\S]*bad config: port/);
  });

  it('gives up after timeoutMs and kills the silent process', async () => {
    // sh starts in milliseconds even on a loaded machine; exec keeps the same pid.
    const error = await spawnProcess('sh', ['-c', 'echo pid $$; exec sleep 60'], {
      readyLine: /never/,
      timeoutMs: 1_000,
    })
      .then(() => new Error('started'))
      .catch((err: Error) => err);
    expect(error.message).toMatch(/no line matching \/never\/ after 1000 ms/);
    const pid = Number(/pid (\d+)/.exec(error.message)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  let leftover = 0;
  it('kills what a test started when that test ends', async () => {
    leftover = (
      await spawnProcess(node, ['-e', `console.log('up'); ${forever}`], { readyLine: /up/ })
    ).pid;
    expect(alive(leftover)).toBe(true);
  });
  it('(the previous test left nothing running)', () => {
    expect(leftover).toBeGreaterThan(0);
    expect(alive(leftover)).toBe(false);
    expect(alive(fromHook.pid)).toBe(true); // started in a hook: afterAll owns it
  });
});

describe('freePort', () => {
  it('returns a port that can be bound, and waitForPort sees the listener', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
    const server = createServer().listen(port, '127.0.0.1');
    await waitForPort(port, 2_000);
    await new Promise((r) => server.close(r));
    await expect(waitForPort(port, 200)).rejects.toThrow(/nothing listens/);
  });
});
