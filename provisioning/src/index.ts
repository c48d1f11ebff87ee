export { runCli, helpText, VERBS } from './cli.ts';
export type { Context } from './context.ts';
export { CliError, UsageError } from './errors.ts';
export { formatCheck, formatReport } from './output.ts';
export type { CheckResult, Output } from './output.ts';
export { udevRules } from './udev.ts';
