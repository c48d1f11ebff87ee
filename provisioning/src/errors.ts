/**
 * The CLI's one error type: a plain sentence for the technician, never a stack trace
 * (SPEC.md section 7). `exitCode` 2 means the command line itself was wrong.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;

  constructor(message: string, options: { code?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = options.code ?? 'FAILED';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A bad command line: the message ends with the verb's usage line. */
export class UsageError extends CliError {
  constructor(message: string, usage: string) {
    super(`${message}. Usage: ${usage}`, { code: 'USAGE', exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** Turns a Node system error into a short phrase: "permission denied", "no such file". */
export function describeSystemError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
