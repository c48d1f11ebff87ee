#!/usr/bin/env node
// `npm run bench`: the benchmarks of SPEC.md section 10 (bench/main.ts), run through tsx's
// loader (scripts/source-loader.js): no build step.
import './source-loader.js';

await import('../bench/main.ts');
