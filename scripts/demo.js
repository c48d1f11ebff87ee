#!/usr/bin/env node
// `npm start`: the whole stack on loopback (SPEC.md section 9). The flow is in demo/main.ts,
// run through tsx's loader (scripts/source-loader.js): no build step.
import './source-loader.js';

await import('./demo/main.ts');
