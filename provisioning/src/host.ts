import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** The machine `install` changes: injected, so tests record what it would do. */
export interface Host {
  isRoot(): boolean;
  userExists(name: string): boolean;
  groupExists(name: string): boolean;
  /** Runs a command (no shell); throws with its stderr when it fails. */
  run(argv: readonly string[]): void;
  writeFile(path: string, content: string, mode: number): void;
}

const succeeds = (argv: readonly string[]): boolean => {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The real machine: getent, useradd, systemctl… as child processes. */
export const systemHost: Host = {
  isRoot: () => process.getuid?.() === 0,
  userExists: (name) => succeeds(['getent', 'passwd', name]),
  groupExists: (name) => succeeds(['getent', 'group', name]),
  run(argv) {
    try {
      execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
      throw new Error(`${argv.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
    }
  },
  writeFile(path, content, mode) {
    writeFileSync(path, content, { mode });
  },
};
