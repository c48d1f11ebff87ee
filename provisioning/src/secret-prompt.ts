import { CliError } from './errors.ts';

/** The bits of a terminal input stream a PIN prompt needs. */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Reads a secret: on a terminal, typed without echo (Backspace works, Ctrl-C cancels); from a
 * pipe, the first line of stdin (scripts: `echo 123456 | lounge-provision add-staff …`).
 */
export function readSecret(
  prompt: string,
  input: SecretInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  return input.isTTY && input.setRawMode ? fromTerminal(prompt, input, output) : firstLine(input);
}

function fromTerminal(
  prompt: string,
  input: SecretInput,
  output: NodeJS.WritableStream,
): Promise<string> {
  output.write(prompt);
  input.setRawMode!(true);
  input.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') {
          return done(new CliError('Cancelled; nothing was changed.', { code: 'CANCELLED' }));
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 1024) break;
  }
  return text.split(/\r?\n/)[0]!.trim();
}
