import { PROBLEM_CODES, type ProblemCode } from './reasons.ts';

/** RFC 9457 problem details, with our stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TYPE_BASE = 'https://lounge.example/problems/';

/** Builds a problem object; `type` is a stable URI derived from the code. */
export function problem(
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    type: TYPE_BASE + code.toLowerCase().replaceAll('_', '-'),
    title: titleOf(code),
    status: PROBLEM_CODES[code],
    detail,
    code,
    ...extensions,
  };
}

function titleOf(code: ProblemCode): string {
  const words = code.toLowerCase().split('_');
  return words.map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ');
}

/** An error that carries a problem code; one `onError` turns it into problem+json. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly extensions: Record<string, unknown>;

  constructor(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEM_CODES[code];
    this.extensions = extensions;
  }

  toProblem(): Problem {
    return problem(this.code, this.message, this.extensions);
  }
}
