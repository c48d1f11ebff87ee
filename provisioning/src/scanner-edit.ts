import { parseInteger, type ParsedOptions } from './args.ts';
import { scannerConfigSchema, type ScannerConfig } from './edge-config.ts';
import { UsageError } from './errors.ts';

const TYPES = ['serial', 'hid-pos', 'hid-keyboard', 'stdin'] as const;

/** Which flags make sense for which scanner type (SPEC.md section 7). */
const FLAGS_BY_TYPE: Record<(typeof TYPES)[number], readonly string[]> = {
  serial: ['path', 'baud', 'suffix'],
  'hid-pos': ['vendor-id', 'product-id', 'path'],
  'hid-keyboard': ['vendor-id', 'product-id', 'path', 'layout'],
  stdin: [],
};
const TYPE_FLAGS = ['path', 'baud', 'suffix', 'vendor-id', 'product-id', 'layout'];

/**
 * Builds a scanner entry from `add-scanner` flags and validates it with the agent's own
 * scanner schema, so the CLI never writes an entry the agent would refuse.
 */
export function scannerFromFlags(values: ParsedOptions, usage: string): ScannerConfig {
  const type = typeof values.type === 'string' ? values.type.toLowerCase() : values.type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`--type must be one of ${TYPES.join(', ')}`, usage);
  }
  const allowed = FLAGS_BY_TYPE[type as (typeof TYPES)[number]];
  for (const flag of TYPE_FLAGS) {
    if (values[flag] !== undefined && !allowed.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to a ${type} scanner`, usage);
    }
  }
  const str = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  // Scanner manuals write CR, LF, CRLF, ES: any case is meant the same.
  const lower = (name: string): string | undefined => str(name)?.toLowerCase();
  const int = (name: string): number | undefined => {
    const text = str(name);
    return text === undefined ? undefined : parseInteger(text, `--${name}`, usage);
  };
  const raw: Record<string, unknown> = { id: values.id, type };
  if (type === 'serial') {
    if (!str('path'))
      throw new UsageError('a serial scanner needs --path (e.g. /dev/ttyUSB0)', usage);
    Object.assign(raw, { path: str('path'), baudRate: int('baud'), suffix: lower('suffix') });
  } else if (type !== 'stdin') {
    if (str('vendor-id') === undefined || str('product-id') === undefined) {
      throw new UsageError(`a ${type} scanner needs --vendor-id and --product-id`, usage);
    }
    Object.assign(raw, {
      vendorId: int('vendor-id'),
      productId: int('product-id'),
      path: str('path'),
      layout: lower('layout'),
    });
  }
  const parsed = scannerConfigSchema.safeParse(dropUndefined(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = FLAG_OF[String(issue?.path[0])] ?? String(issue?.path[0] ?? 'scanner');
    throw new UsageError(`${field} is invalid: ${issue?.message ?? 'bad value'}`, usage);
  }
  return parsed.data;
}

const FLAG_OF: Record<string, string> = {
  id: '--id',
  path: '--path',
  baudRate: '--baud',
  suffix: '--suffix',
  vendorId: '--vendor-id',
  productId: '--product-id',
  layout: '--layout',
};

const dropUndefined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Adds the scanner, or replaces the one with the same id in place (order is kept). */
export function upsertScanner(
  scanners: readonly unknown[],
  scanner: ScannerConfig,
): { scanners: unknown[]; replaced: boolean } {
  const index = scanners.findIndex((s) => idOf(s) === scanner.id);
  if (index < 0) return { scanners: [...scanners, scanner], replaced: false };
  const next = [...scanners];
  next[index] = scanner;
  return { scanners: next, replaced: true };
}

/** Removes the scanner with this id; `removed` is false when there was none. */
export function removeScanner(
  scanners: readonly unknown[],
  id: string,
): { scanners: unknown[]; removed: boolean } {
  const next = scanners.filter((s) => idOf(s) !== id);
  return { scanners: next, removed: next.length !== scanners.length };
}

const idOf = (s: unknown): unknown =>
  typeof s === 'object' && s !== null ? (s as { id?: unknown }).id : undefined;
