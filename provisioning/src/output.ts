/** One line of a check list: `✔ name: detail` or `✖ name: detail`, the hint on its own line. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

/** Where a command writes its lines (injected so tests read them back). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const OK_MARK = '✔';
export const FAIL_MARK = '✖';

/** Formats one check as the lines a technician reads. */
export function formatCheck(check: CheckResult): string[] {
  const lines = [`${check.ok ? OK_MARK : FAIL_MARK} ${check.name}: ${check.detail}`];
  if (!check.ok && check.hint) lines.push(`  → ${check.hint}`);
  return lines;
}

/** Formats a whole report; the last line sums it up. */
export function formatReport(checks: readonly CheckResult[]): string[] {
  const failed = checks.filter((c) => !c.ok).length;
  const lines = checks.flatMap(formatCheck);
  lines.push(failed === 0 ? 'all checks passed' : `${failed} of ${checks.length} checks failed`);
  return lines;
}

/** A step line printed while a command runs (`enroll`, `decommission`, `rotate-key`). */
export const step = (text: string): string => `${OK_MARK} ${text}`;

/** Shortens a long scanned code for display: the head, an ellipsis and its length. */
export function truncate(code: string, max = 48): string {
  return code.length <= max ? code : `${code.slice(0, max)}… (${code.length} chars)`;
}
