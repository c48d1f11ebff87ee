// `npm run bench [-- --quick] [-- --only scan,qr]`: every figure of SPEC.md
// section 10 printed beside its floor and target, and written to bench/results.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, printFigure, type Figure } from './lib/report.ts';

/** A named group of figures; `quick` runs smaller counts (the smoke test). */
type Bench = (quick: boolean) => Promise<Figure[]>;

// Imported on demand: `--only drain` does not load the cloud, and a bad name fails fast.
const BENCHES: Record<string, Bench> = {
  micro: async (q) => (await import('./micro.bench.ts')).runMicroBench(q),
  scan: async (q) => {
    const m = await import('./scan.bench.ts');
    return m.runScanBench(m.scanDefaults(q));
  },
  serial: async (q) => (await import('./serial.bench.ts')).runSerialBench(q),
  propagation: async (q) => (await import('./propagation.bench.ts')).runPropagationBench(q),
  catchup: async (q) => (await import('./catchup.bench.ts')).runCatchupBench(q),
  rss: async (q) => (await import('./rss.bench.ts')).runRssBench(q),
  issuance: async (q) => (await import('./issuance.bench.ts')).runIssuanceBench(q),
  qr: async (q) => (await import('./qr-figure.ts')).runQrFigure(q),
  drain: async (q) => (await import('./drain.bench.ts')).runDrainBench(q),
  fleet: async (q) => (await import('./fleet.bench.ts')).runFleetBench(q),
};

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    // Merge into the existing file by figure id (a bench run alone keeps the others' figures).
    update: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
  },
});

/** This run's results; with --update, the file's others kept and this run listed in `updates`. */
function results() {
  const run = { machine, quick: values.quick, only: names };
  if (!values.update || !existsSync(values.out)) return { ...run, figures };
  const old = JSON.parse(readFileSync(values.out, 'utf8')) as {
    figures: Figure[];
    updates?: unknown[];
  };
  const fresh = new Map(figures.map((f) => [f.id, f]));
  const kept = old.figures.map((f) => fresh.get(f.id) ?? f);
  const added = figures.filter((f) => !old.figures.some((o) => o.id === f.id));
  const updates = [...(old.updates ?? []), { ...run, figures: figures.map((f) => f.id) }];
  return { ...old, figures: [...kept, ...added], updates };
}

const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(BENCHES);
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const machine = machineInfo();
console.log(
  `lounge bench${values.quick ? ' (quick)' : ''}: ${machine.cpus} cpus, node ${machine.node}, ` +
    `load ${machine.loadAvgAtStart.join(' ')}`,
);
const figures: Figure[] = [];
let failed = false;
for (const name of names) {
  try {
    for (const f of await BENCHES[name]!(values.quick)) {
      printFigure(f);
      figures.push(f);
    }
  } catch (err) {
    failed = true;
    console.error(`bench ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
    figures.push({ id: name, title: name, unit: '', value: null, note: `failed: ${String(err)}` });
  }
}
writeFileSync(values.out, JSON.stringify(results(), null, 2) + '\n');
console.log(`results ${values.update ? 'merged into' : 'written to'} ${values.out}`);
// Some libraries (mqtt, undici keep-alive) hold handles a little after close: exit explicitly.
process.exit(failed ? 1 : 0);
