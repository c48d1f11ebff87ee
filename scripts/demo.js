#!/usr/bin/env node
// `npm start`: the whole stack on loopback (SPEC.md section 9). The flow is in demo/main.ts,
// run through tsx's loader like the package bins: no build step.
import { register } from 'tsx/esm/api';

register();
await import('./demo/main.ts');
