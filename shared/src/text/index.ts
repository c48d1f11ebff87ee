export {
  JsonSyntaxProblem,
  firstErrorOffset,
  locateJsonError,
  parseJsonText,
} from './json-error.ts';
export type { JsonSyntaxError } from './json-error.ts';
export { clockTime, logFormatFor, prettyDestination, prettyLogLine } from './log-line.ts';
export type { LogFormat } from './log-line.ts';
