/**
 * Where a JSON text stops being JSON, as a person reads it: line and column (1-based) and the
 * parser's complaint without V8's "at position N" / quoted snippet. Node 20's `JSON.parse`
 * gives a position for some errors only ("Unexpected token '}', "…" is not valid JSON" has
 * none), so the offset comes from a small scanner that follows RFC 8259 when V8 omits it.
 */
export interface JsonSyntaxError {
  line: number;
  column: number;
  /** e.g. `Expected double-quoted property name`. */
  reason: string;
}

/** Parses JSON (a leading BOM allowed); a syntax error throws a JsonSyntaxProblem. */
export function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new JsonSyntaxProblem(locateJsonError(body, err));
  }
}

/** A JSON syntax error with its line and column; `message` reads `line 3, column 5: …`. */
export class JsonSyntaxProblem extends Error {
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(where: JsonSyntaxError) {
    super(`line ${where.line}, column ${where.column}: ${where.reason}`);
    this.name = 'JsonSyntaxProblem';
    this.line = where.line;
    this.column = where.column;
    this.reason = where.reason;
  }
}

/** Locates the error `JSON.parse(text)` threw. */
export function locateJsonError(text: string, err: unknown): JsonSyntaxError {
  const message = err instanceof Error ? err.message : String(err);
  const at = /\bat position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : firstErrorOffset(text);
  const reason =
    message
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, .*is not valid JSON$/s, '')
      .trim() || 'not valid JSON';
  return { ...lineAndColumn(text, Math.min(offset, text.length)), reason };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- RFC 8259: control characters must be escaped in a string
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** The offset of the first character that makes `text` invalid JSON (its length if cut short). */
export function firstErrorOffset(text: string): number {
  let i = 0;
  const fail = (at: number): never => {
    throw at;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const match = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return void (match(STRING_RE) || fail(stringErrorOffset(text, i)));
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    if (!match(NUMBER_RE)) fail(i);
  };
  const object = (): void => {
    i++;
    space();
    if (text[i] === '}') return void i++;
    for (;;) {
      space();
      if (text[i] !== '"' || !match(STRING_RE))
        fail(text[i] === '"' ? stringErrorOffset(text, i) : i);
      space();
      if (text[i] !== ':') fail(i);
      i++;
      value();
      space();
      if (text[i] === '}') return void i++;
      if (text[i] !== ',') fail(i);
      i++;
    }
  };
  const array = (): void => {
    i++;
    space();
    if (text[i] === ']') return void i++;
    for (;;) {
      value();
      space();
      if (text[i] === ']') return void i++;
      if (text[i] !== ',') fail(i);
      i++;
    }
  };
  try {
    value();
    space();
    return i < text.length ? i : text.length;
  } catch (at) {
    return typeof at === 'number' ? at : text.length;
  }
}

/** Inside a string that does not close properly: the first bad character (or the end). */
function stringErrorOffset(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) return i;
    if (text[i] === '\\') i++;
  }
  return text.length;
}
