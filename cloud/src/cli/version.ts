import { readFileSync } from 'node:fs';

/** The package version `--version` prints (read when asked, not on import). */
export function cloudVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
