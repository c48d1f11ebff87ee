import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { ScannerConfig } from '../edge-config.ts';
import type { CheckResult } from '../output.ts';
import type { HidDeviceSummary, ScannerToolkit } from '../scanner-toolkit.ts';
import { fail } from './network-checks.ts';

/** Below this, the access-log buffer of a long IBDP outage may not fit. */
export const MIN_FREE_BYTES = 500 * 1024 * 1024;

/** The agent's SQLite file inside its data dir (edge-agent/src/state/db.ts). */
export const AGENT_DB_FILE = 'edge.db';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** One check per configured scanner: the serial path exists, or the HID ids are plugged in. */
export async function scannerChecks(
  scanners: readonly ScannerConfig[],
  loadToolkit: () => Promise<ScannerToolkit>,
): Promise<CheckResult[]> {
  if (scanners.length === 0) {
    return [{ name: 'scanners', ok: true, detail: 'none configured (turnstile API only)' }];
  }
  let hid: HidDeviceSummary[] | string | undefined;
  const listHid = async (): Promise<HidDeviceSummary[] | string> => {
    if (hid !== undefined) return hid;
    try {
      hid = await (await loadToolkit()).listHidDevices();
    } catch (err) {
      hid = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    }
    return hid;
  };
  const results: CheckResult[] = [];
  for (const s of scanners) {
    const name = `scanner ${s.id}`;
    if (s.type === 'stdin') {
      results.push({ name, ok: true, detail: 'stdin (reads the console)' });
    } else if (s.type === 'serial') {
      results.push(
        existsSync(s.path)
          ? { name, ok: true, detail: `serial ${s.path} present` }
          : fail(
              name,
              `serial ${s.path} is missing`,
              'plug the scanner in, or list ports with lounge-provision scanners',
            ),
      );
    } else {
      const ids = `${hex4(s.vendorId)}:${hex4(s.productId)}`;
      const devices = await listHid();
      if (typeof devices === 'string') {
        results.push(
          fail(
            name,
            `cannot list HID devices (${devices})`,
            'install libusb-1.0-0 and check the udev rules (lounge-provision udev-rules)',
          ),
        );
        continue;
      }
      const found = devices.some(
        (d) =>
          d.vendorId === s.vendorId &&
          d.productId === s.productId &&
          (!s.path || d.path === s.path),
      );
      results.push(
        found
          ? { name, ok: true, detail: `${s.type} ${ids} present` }
          : fail(
              name,
              `${s.type} ${ids}${s.path ? ` at ${s.path}` : ''} not found`,
              'plug the scanner in; if it is plugged, install the udev rules (lounge-provision udev-rules)',
            ),
      );
    }
  }
  return results;
}

/** Free space where the agent keeps its state; the folder may not exist before the first start. */
export async function diskCheck(dataDir: string, minFree = MIN_FREE_BYTES): Promise<CheckResult> {
  let dir = dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = await statfs(dir);
    const free = s.bavail * s.bsize;
    const detail = `${formatBytes(free)} free in ${dir}`;
    return free >= minFree
      ? { name: 'disk', ok: true, detail }
      : fail(
          'disk',
          `${detail} (under ${formatBytes(minFree)})`,
          'free some space: the agent buffers access logs there while IBDP is unreachable',
        );
  } catch (err) {
    return fail(
      'disk',
      `cannot read free space of ${dir} (${String(err)})`,
      'check the data dir in the config',
    );
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.round(n / 1024 ** 2)} MB`;
}

/** `PRAGMA integrity_check` on the agent's database, opened read-only (the agent may run). */
export function databaseCheck(dataDir: string): CheckResult {
  const file = join(dataDir, AGENT_DB_FILE);
  if (!existsSync(file)) {
    return { name: 'database', ok: true, detail: `no ${file} yet (the agent has not run)` };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const first = rows[0]?.integrity_check;
    return first === 'ok'
      ? { name: 'database', ok: true, detail: `${file} integrity ok` }
      : fail(
          'database',
          `${file} is damaged (${first ?? 'no answer'})`,
          'stop the agent, move the file aside and restart it: it refetches keys and revocations',
        );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return fail(
      'database',
      `cannot check ${file} (${why})`,
      'run doctor as the agent user, or stop the agent and retry',
    );
  } finally {
    db?.close();
  }
}
