#!/usr/bin/env node
// Production runs the compiled JavaScript in dist/ (`npm run build`): no TypeScript loader, no
// dev dependency. A checkout with its dev dependencies runs the TypeScript source through tsx, so
// an edit needs no rebuild and a stale dist/ is never run by mistake (docs/decisions.md).
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/main.ts', import.meta.url);
const compiled = new URL('../dist/main.js', import.meta.url);
const tsx = await import('tsx/esm/api').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') return undefined; // `npm ci --omit=dev`
  throw err;
});
if (tsx && existsSync(source)) {
  tsx.register();
  // The @lounge/* packages export their TypeScript source under the `source` condition.
  register(
    'data:text/javascript,export const resolve = (s, c, next) => ' +
      'next(s, { ...c, conditions: [...c.conditions, "source"] });',
  );
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write('lounge-cloud: dist/main.js is missing; run `npm run build` first\n');
  process.exit(1);
}
