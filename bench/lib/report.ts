import { cpus, loadavg, totalmem } from 'node:os';
import { percentiles } from './stats.ts';

/** One printed and recorded figure: the subject, its floor and the target it is held to. */
export interface Figure {
  id: string;
  title: string;
  unit: string;
  value: number | null;
  floor?: number | null;
  floorLabel?: string;
  /** subject / floor, oriented so that higher is better for the subject. */
  ratio?: number | null;
  target?: string;
  met?: boolean | null;
  /** Extra numbers (p50/p99 of both sides, counts). */
  detail?: Record<string, number | string>;
  /** Why the figure is missing or only partly measured. */
  note?: string;
  /** A curve over time (equal-length columns), kept in results.json, not printed. */
  series?: Record<string, number[]>;
}

/**
 * A latency figure held to a p99 target: the subject's and the floor's samples (ms) become
 * p50/p99 of both sides, and the ratio of the floor's p99 to the subject's.
 */
export function p99Figure(o: {
  id: string;
  title: string;
  floorLabel: string;
  targetMs: number;
  subject: readonly number[];
  floor: readonly number[];
  detail?: Record<string, number | string>;
}): Figure {
  const s = percentiles(o.subject);
  const f = percentiles(o.floor);
  return {
    id: o.id,
    title: o.title,
    unit: 'ms p99',
    value: s.p99,
    floor: f.p99,
    floorLabel: o.floorLabel,
    ratio: f.p99 / s.p99,
    target: `p99 <= ${o.targetMs} ms`,
    met: s.p99 <= o.targetMs,
    detail: { p50Ms: s.p50, p99Ms: s.p99, floorP50Ms: f.p50, floorP99Ms: f.p99, ...o.detail },
  };
}

/** What the machine looked like when the run started. */
export function machineInfo() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAvgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    startedAt: new Date().toISOString(),
  };
}

const fmt = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x)
    ? '-'
    : Math.abs(x) >= 100
      ? x.toFixed(0)
      : x.toFixed(Math.abs(x) >= 10 ? 1 : 3);

/** One human line (plus detail) per figure. */
export function printFigure(f: Figure): void {
  const verdict = f.met === undefined || f.met === null ? '' : f.met ? '  [met]' : '  [NOT met]';
  const floor = f.floor !== undefined ? `  floor ${fmt(f.floor)} ${f.unit} (${f.floorLabel})` : '';
  const ratio = f.ratio !== undefined && f.ratio !== null ? `  ratio ${f.ratio.toFixed(2)}x` : '';
  const target = f.target ? `  target ${f.target}` : '';
  console.log(`${f.title}: ${fmt(f.value)} ${f.unit}${floor}${ratio}${target}${verdict}`);
  if (f.detail) {
    const parts = Object.entries(f.detail).map(
      ([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`,
    );
    console.log(`    ${parts.join('  ')}`);
  }
  if (f.note) console.log(`    note: ${f.note}`);
}
