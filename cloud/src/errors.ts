import { problem, ProblemError, type Problem, type ProblemCode } from '@lounge/shared';

/** What a CloudError may carry besides its code and detail. */
export interface CloudErrorOptions {
  /** What the operator's log reads, when it must say more than the client may see. */
  message?: string;
  cause?: unknown;
}

/**
 * The cloud's coded error (STYLE.md 7): every use-case, store and HTTP failure a client sees
 * is one, with a stable problem `code` that fixes its HTTP status (SPEC.md 5), so the one
 * `onError` (http/errors.ts) maps this type to problem+json and knows no domain error by name.
 * `detail` is what the client reads; `message` is the same unless the cause (a host, a SQLSTATE)
 * must stay in the log.
 */
export class CloudError extends ProblemError {
  readonly detail: string;

  constructor(
    code: ProblemCode,
    detail: string,
    extensions: Record<string, unknown> = {},
    options: CloudErrorOptions = {},
  ) {
    super(code, detail, extensions);
    this.name = 'CloudError';
    this.detail = detail;
    if (options.message !== undefined) this.message = options.message;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** The problem+json body: the public `detail`, never the private `message`. */
  override toProblem(): Problem {
    return problem(this.code, this.detail, this.extensions);
  }
}
