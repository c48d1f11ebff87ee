import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { onProcessExit, spawnProcess, type SpawnedProcess } from './process.ts';
import { which } from './tools.ts';

/** Two linked pseudo-terminals: a virtual serial cable with a stable path at each end. */
export interface PtyPair {
  /** The end the scanner driver under test opens (like /dev/ttyUSB0). */
  devicePath: string;
  /** The end the test plays the scanner on. */
  hostPath: string;
  /** Sends bytes from the host end: the driver reads them on `devicePath`. */
  write(data: string | Uint8Array): Promise<void>;
  /** Everything the driver wrote to `devicePath` since the last (re)plug. */
  received(): Buffer;
  /** Resolves once `received()` contains `text`. */
  waitForReceived(text: string, timeoutMs?: number): Promise<void>;
  /** Unplugs the cable: socat ends, both paths disappear, the temp dir goes. Safe twice. */
  kill(): Promise<void>;
  /** Plugs it back in (after `kill`, or unplug + replug) at the same two paths. */
  restart(): Promise<void>;
}

async function waitForPaths(paths: string[], proc: SpawnedProcess, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!paths.every((p) => existsSync(p))) {
    if (Date.now() > deadline || proc.child.exitCode !== null) {
      throw new Error(`socat did not create ${paths.join(', ')}:\n${proc.stderrLines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts `socat pty,raw,echo=0,link=DIR/dev pty,raw,echo=0,link=DIR/host` and opens the host
 * end with `serialport` (non-blocking reads and writes; node:fs reads on a tty block a libuv
 * thread). Killing socat removes both links like a USB unplug; `restart` recreates them.
 */
export async function openPtyPair(): Promise<PtyPair> {
  const socat = which('socat');
  if (!socat) throw new Error('socat not found: apt-get install socat');
  const dir = mkdtempSync(join(tmpdir(), 'lounge-pty-'));
  const devicePath = join(dir, 'dev');
  const hostPath = join(dir, 'host');
  let proc: SpawnedProcess | undefined;
  let host: SerialPort | undefined;
  let chunks: Buffer[] = [];
  const listeners = new Set<() => void>();
  let unhook: () => void = () => undefined;

  const plug = async () => {
    mkdirSync(dir, { recursive: true });
    unhook = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
    // A SIGKILLed socat leaves dangling links behind.
    rmSync(devicePath, { force: true });
    rmSync(hostPath, { force: true });
    const args = [
      '-d',
      '-d',
      `pty,raw,echo=0,link=${devicePath}`,
      `pty,raw,echo=0,link=${hostPath}`,
    ];
    proc = await spawnProcess(socat, args, { killOnTestEnd: false });
    await waitForPaths([devicePath, hostPath], proc);
    chunks = [];
    const port = new SerialPort({ path: hostPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    );
    port.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const l of [...listeners]) l();
    });
    port.on('error', () => undefined); // EIO once socat is gone: that is the unplug
    host = port;
  };
  const unplug = async () => {
    const port = host;
    host = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    const p = proc;
    proc = undefined;
    await p?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true }); // kill is also the final cleanup
    unhook();
  };

  await plug().catch(async (err: unknown) => {
    await unplug();
    throw err;
  });
  return {
    devicePath,
    hostPath,
    async write(data) {
      const port = host;
      if (!port) throw new Error('the pty pair is unplugged');
      await new Promise<void>((resolve, reject) =>
        port.write(Buffer.from(data), (err) => (err ? reject(err) : port.drain(() => resolve()))),
      );
    },
    received: () => Buffer.concat(chunks),
    waitForReceived(text, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!Buffer.concat(chunks).includes(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`pty host did not receive ${JSON.stringify(text)} in ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    kill: unplug,
    async restart() {
      await unplug();
      await plug();
    },
  };
}
