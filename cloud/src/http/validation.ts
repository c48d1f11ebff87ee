import { ZodError, type z } from 'zod';
import { CloudError } from '../errors.ts';

/**
 * Turns zod issues into the `detail` of a 400 INVALID_REQUEST: one plain sentence naming the
 * field ("loungeId is required", "unknown field guest"), never the validator's wording
 * (SPEC.md 5). `errors` lists every issue the same way.
 */

type Issue = z.core.$ZodIssue;
/** Where the input came from: zod-openapi's validator targets. */
export type Target = 'json' | 'query' | 'param' | 'header' | 'cookie' | 'form';

const NOUNS: Record<string, string> = {
  query: 'parameter',
  param: 'path parameter',
  header: 'header',
};
const TYPES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};
const FORMATS: Record<string, string> = {
  date: 'a date (YYYY-MM-DD)',
  datetime: 'a date and time (ISO 8601)',
  url: 'a URL',
};

const nameOf = (path: readonly PropertyKey[], root: string): string =>
  path.length === 0 ? root : path.map(String).join('.');

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** zod's default messages start with these; a message a schema wrote itself is kept. */
const isDefaultMessage = (message: string): boolean => /^(Invalid|Too (big|small))\b/.test(message);

function limit(issue: Issue & { code: 'too_big' | 'too_small' }, field: string): string {
  const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  const word = issue.code === 'too_big' ? 'at most' : 'at least';
  const exclusive = issue.inclusive === false;
  const relation = exclusive ? (issue.code === 'too_big' ? 'less than' : 'more than') : word;
  if (issue.origin === 'string') {
    if (issue.code === 'too_small' && Number(bound) === 1 && !exclusive)
      return `${field} must not be empty`;
    return `${field} must be ${relation} ${String(bound)} characters long`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    return `${field} must have ${relation} ${String(bound)} items`;
  }
  return `${field} must be ${relation} ${String(bound)}`;
}

/** One issue as a sentence. */
export function sentenceOf(
  issue: Issue,
  target: string,
  input: unknown,
): { field: string; message: string } {
  const root = target === 'json' ? 'body' : target;
  const field = nameOf(issue.path, root);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const names = issue.keys.map((k) => nameOf([...issue.path, k], root));
      const noun = NOUNS[target] ?? 'field';
      const message = `unknown ${noun}${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
      return { field: names[0] ?? field, message };
    }
    case 'invalid_type':
      if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
        return { field, message: `${field} is required` };
      }
      return { field, message: `${field} must be ${TYPES[issue.expected] ?? issue.expected}` };
    case 'too_big':
    case 'too_small':
      return { field, message: limit(issue, field) };
    case 'invalid_value':
      return {
        field,
        message: `${field} must be ${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'invalid_format': {
      if (!isDefaultMessage(issue.message))
        return { field, message: `${field} is not valid: ${issue.message}` };
      const format = FORMATS[issue.format];
      return { field, message: format ? `${field} must be ${format}` : `${field} is not valid` };
    }
    default:
      return {
        field,
        message: isDefaultMessage(issue.message)
          ? `${field} is not valid`
          : `${field} is not valid: ${issue.message}`,
      };
  }
}

/** The detail (the first issue, unknown names first: they often explain the rest) and all of them. */
export function describeZodIssues(
  issues: readonly Issue[],
  target: string = 'json',
  input?: unknown,
): { detail: string; errors: { field: string; message: string }[] } {
  const ordered = [...issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  const errors = ordered.map((i) => sentenceOf(i, target, input));
  return { detail: errors[0]?.message ?? 'the request is not valid', errors };
}

/** zod-openapi's validation hook: any failure becomes 400 INVALID_REQUEST naming the field. */
export function validationHook(result: {
  success: boolean;
  error?: unknown;
  target?: string;
  data?: unknown;
}): void {
  if (result.success) return;
  const issues = result.error instanceof ZodError ? result.error.issues : [];
  const { detail, errors } = describeZodIssues(issues, result.target, result.data);
  throw new CloudError('INVALID_REQUEST', detail, { errors });
}
