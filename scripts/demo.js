#!/usr/bin/env node
// `npm start`: the whole stack on loopback (SPEC.md section 9). Until every part has landed
// it says which parts are missing instead of pretending.
import { register } from 'tsx/esm/api';

register();
await import('./demo/main.ts');
