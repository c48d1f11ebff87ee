import { parseVerbArgs, type VerbSpec } from '../args.ts';
import type { Context } from '../context.ts';
import { suggestHidDriver, type HidDeviceInfo, type SerialPortInfo } from '../scanner-toolkit.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision scanners [--json]',
  options: { json: { type: 'boolean' } },
};

const hex4 = (n: number | undefined): string =>
  n === undefined ? '????' : n.toString(16).padStart(4, '0');

type Listing<T> = { ok: true; items: T[] } | { ok: false; error: string };

async function attempt<T>(list: () => Promise<T[]>): Promise<Listing<T>> {
  try {
    return { ok: true, items: await list() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

/** One line per HID interface: ids, usage page, name, the driver to configure, the path. */
export function formatHid(d: HidDeviceInfo): string {
  const page =
    d.usagePage === undefined ? '' : ` usage page 0x${d.usagePage.toString(16).padStart(4, '0')}`;
  const name = [d.manufacturer, d.product].filter(Boolean).join(' ') || 'unnamed';
  return `hid     ${hex4(d.vendorId)}:${hex4(d.productId)}${page}  ${name}  → ${suggestHidDriver(d)}${d.path ? `  ${d.path}` : ''}`;
}

export function formatSerial(p: SerialPortInfo): string {
  const ids = p.vendorId === undefined ? '' : `  ${hex4(p.vendorId)}:${hex4(p.productId)}`;
  return `serial  ${p.path}${ids}  ${p.manufacturer ?? ''}  → serial`.replace(/ {2,}→/, '  →');
}

/** `scanners`: what is plugged in, and which driver to configure for it. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const toolkit = await attempt(async () => [await ctx.scanners()]);
  const kit = toolkit.ok ? toolkit.items[0] : undefined;
  const hid: Listing<HidDeviceInfo> = kit
    ? await attempt(() => kit.listHidDevices())
    : { ok: false, error: toolkit.ok ? 'no drivers' : toolkit.error };
  const serial: Listing<SerialPortInfo> = kit
    ? await attempt(() => kit.listSerialPorts())
    : { ok: false, error: toolkit.ok ? 'no drivers' : toolkit.error };

  if (values.json === true) {
    ctx.out(
      JSON.stringify({
        hid: hid.ok ? hid.items.map((d) => ({ ...d, suggestedDriver: suggestHidDriver(d) })) : null,
        serial: serial.ok ? serial.items.map((p) => ({ ...p, suggestedDriver: 'serial' })) : null,
        errors: [
          ...(hid.ok ? [] : [`HID devices: ${hid.error}`]),
          ...(serial.ok ? [] : [`serial ports: ${serial.error}`]),
        ],
      }),
    );
  } else {
    if (hid.ok) {
      ctx.out(hid.items.length ? hid.items.map(formatHid).join('\n') : 'no HID devices found');
    } else ctx.out(`cannot list HID devices: ${hid.error}`);
    if (serial.ok) {
      ctx.out(
        serial.items.length ? serial.items.map(formatSerial).join('\n') : 'no serial ports found',
      );
    } else ctx.out(`cannot list serial ports: ${serial.error}`);
  }
  // Listing nothing, or only one kind, still helps the technician; only a total failure fails.
  return hid.ok || serial.ok ? 0 : 1;
}
