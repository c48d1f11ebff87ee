// The dev scripts (demo, bench) run TypeScript through tsx, and the @lounge/* packages resolve to
// their source under the `source` export condition (the default condition is the compiled dist/).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register(
  'data:text/javascript,export const resolve = (s, c, next) => ' +
    'next(s, { ...c, conditions: [...c.conditions, "source"] });',
);
