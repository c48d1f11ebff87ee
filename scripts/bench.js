#!/usr/bin/env node
// `npm run bench`: the benchmarks of SPEC.md section 10 (bench/main.ts), run through tsx's
// loader like the package bins: no build step.
import { register } from 'tsx/esm/api';

register();
await import('../bench/main.ts');
