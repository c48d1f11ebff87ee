import { parseVerbArgs, type VerbSpec } from '../args.ts';
import type { Context } from '../context.ts';
import type { HidDeviceSummary, SerialPortSummary } from '../scanner-toolkit.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision scanners [--json]',
  options: { json: { type: 'boolean', help: 'print the lists as JSON' } },
  example: 'lounge-provision scanners',
};

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

type Listing<T> = { ok: true; items: T[] } | { ok: false; error: string };

async function attempt<T>(list: () => Promise<T[]>): Promise<Listing<T>> {
  try {
    return { ok: true, items: await list() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

/** One line per HID interface: ids, usage page, name, the driver to configure, the path. */
export function formatHid(d: HidDeviceSummary): string {
  const page = d.usagePage === null ? '' : `  usage page 0x${hex4(d.usagePage)}`;
  const name = [d.manufacturer, d.product].filter(Boolean).join(' ') || 'unnamed';
  const driver = d.suggestedDriver ?? 'not a scanner';
  return `hid     ${hex4(d.vendorId)}:${hex4(d.productId)}${page}  ${name}  → ${driver}${d.path ? `  ${d.path}` : ''}`;
}

/** One line per serial port; the /dev/serial/by-id link is what to configure (stable). */
export function formatSerial(p: SerialPortSummary): string {
  const ids = p.vendorId ? `  ${p.vendorId}:${p.productId ?? '????'}` : '';
  const name = p.manufacturer ? `  ${p.manufacturer}` : '';
  const stable = p.byId[0] ? `  (stable: ${p.byId[0]})` : '';
  if (p.onboard) {
    return `serial  ${p.path}${name}  → unlikely a scanner (onboard UART, no USB parent)`;
  }
  return `serial  ${p.path}${ids}${name}  → serial${stable}`;
}

/** `scanners`: what is plugged in, and which driver to configure for it. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  let hid: Listing<HidDeviceSummary>;
  let serial: Listing<SerialPortSummary>;
  try {
    const kit = await ctx.scanners();
    hid = await attempt(() => kit.listHidDevices());
    serial = await attempt(() => kit.listSerialPorts());
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    hid = serial = { ok: false, error };
  }

  if (values.json === true) {
    const errors = [
      ...(hid.ok ? [] : [`HID devices: ${hid.error}`]),
      ...(serial.ok ? [] : [`serial ports: ${serial.error}`]),
    ];
    ctx.out(
      JSON.stringify({
        hid: hid.ok ? hid.items : null,
        serial: serial.ok ? serial.items : null,
        errors,
      }),
    );
  } else {
    if (!hid.ok) ctx.out(`cannot list HID devices: ${hid.error}`);
    else ctx.out(hid.items.length ? hid.items.map(formatHid).join('\n') : 'no HID devices found');
    if (!serial.ok) ctx.out(`cannot list serial ports: ${serial.error}`);
    else
      ctx.out(
        serial.items.length ? serial.items.map(formatSerial).join('\n') : 'no serial ports found',
      );
  }
  // Listing nothing, or only one kind, still helps the technician; only a total failure fails.
  return hid.ok || serial.ok ? 0 : 1;
}
