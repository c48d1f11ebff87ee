import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { JsonSyntaxProblem, parseJsonText } from '@lounge/shared';
import { CliError, describeSystemError } from './errors.ts';

/** Config and key files hold credentials: owner read/write only. */
export const SECRET_MODE = 0o600;

/** Where `enroll` writes when no `--config` is given (SPEC.md section 7). */
export const DEFAULT_CONFIG_PATH = '/etc/lounge-edge/config.json';

/** The config path of a verb: the flag, else `LOUNGE_EDGE_CONFIG` (as the agent), else /etc. */
export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.LOUNGE_EDGE_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Reads a JSON file; a missing or unreadable file is one clear sentence. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new CliError(
        `There is no config at ${path}; enrol the device first or pass --config.`,
        {
          code: 'NO_CONFIG',
        },
      );
    }
    throw new CliError(`Cannot read ${path}: ${describeSystemError(err)}.`);
  }
  try {
    return parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxProblem)) throw err;
    throw new CliError(`${path} is not valid JSON: ${err.message}.`, { code: 'BAD_CONFIG' });
  }
}

/** The file's permission bits, or undefined when it does not exist. */
export async function fileMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** A temp file name beside the target, so the final rename stays on one file system. */
export const tempPathFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * Writes `text` to a temp file beside `path` (created 0600 whatever the umask), fsyncs it and
 * returns its name; `commitTemp` renames it over the target. Two steps so `enroll` can write
 * everything first and commit only after the cloud said yes.
 */
export async function writeTemp(path: string, text: string, mode = SECRET_MODE): Promise<string> {
  const temp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      mode,
    );
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(mode);
      // Keep the owner: after `install` the agent's user owns its config and key (root may chown).
      const current = await stat(path).catch(() => undefined);
      if (current) await handle.chown(current.uid, current.gid).catch(() => undefined);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  } catch (err) {
    await rm(temp, { force: true });
    throw new CliError(`Cannot write ${path}: ${describeSystemError(err)}.`, {
      code: 'UNWRITABLE',
    });
  }
}

/** Renames a temp file over its target and fsyncs the folder so the rename survives a crash. */
export async function commitTemp(temp: string, path: string): Promise<void> {
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new CliError(`Cannot replace ${path}: ${describeSystemError(err)}.`, {
      code: 'UNWRITABLE',
    });
  }
  try {
    const dir = await open(dirname(path), constants.O_RDONLY);
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is already atomic.
  }
}

/** Atomic write of a JSON document, keeping the file's current mode (0600 for a new file). */
export async function writeJsonAtomic(path: string, value: unknown, mode?: number): Promise<void> {
  const keep = mode ?? (await fileMode(path)) ?? SECRET_MODE;
  const temp = await writeTemp(path, `${JSON.stringify(value, null, 2)}\n`, keep);
  await commitTemp(temp, path);
  await chmod(path, keep).catch(() => undefined);
}
