import type { ScannerConfig } from './config.ts';
import type { HidBackend } from './hid-binding.ts';

export interface UdevRuleOptions {
  /** The group the agent runs in; the rules give it read/write access. */
  group: string;
  /** USB ids of serial scanners (by scanner id), e.g. from `listSerialPorts()`. */
  serialIds?: Record<string, { vendorId: string; productId: string }>;
}

const hex4 = (n: number | string): string =>
  (typeof n === 'number' ? n.toString(16) : n).toLowerCase().padStart(4, '0');

/** The node-hid backend an agent with these scanners loads (see `createScanners`). */
export function hidBackendFor(configs: readonly ScannerConfig[]): HidBackend {
  return configs.some((c) => c.type === 'hid-keyboard') ? 'libusb' : 'hidraw';
}

/**
 * udev rules that let the agent's group open the configured scanners: the hidraw node for
 * HID scanners read through hidraw, the USB device node for those read through libusb, and
 * the tty for serial ones. Pure: the CLI prints the text.
 */
export function udevRules(configs: readonly ScannerConfig[], options: UdevRuleOptions): string {
  const access = `MODE="0660", GROUP="${options.group}"`;
  const backend = hidBackendFor(configs);
  const lines = ['# lounge-edge scanners: /etc/udev/rules.d/70-lounge-scanners.rules'];
  const seen = new Set<string>();
  const add = (comment: string, rule: string): void => {
    if (seen.has(rule)) return;
    seen.add(rule);
    lines.push(comment, rule);
  };
  for (const config of configs) {
    if (config.type === 'hid-pos' || config.type === 'hid-keyboard') {
      const ids = `ATTRS{idVendor}=="${hex4(config.vendorId)}", ATTRS{idProduct}=="${hex4(config.productId)}"`;
      const rule =
        backend === 'libusb'
          ? `SUBSYSTEM=="usb", ${ids.replace(/ATTRS/g, 'ATTR')}, ${access}`
          : `SUBSYSTEM=="hidraw", ${ids}, ${access}`;
      add(`# ${config.id} (${config.type}, ${backend})`, rule);
    } else if (config.type === 'serial') {
      const ids = options.serialIds?.[config.id];
      const match = ids
        ? `ATTRS{idVendor}=="${hex4(ids.vendorId)}", ATTRS{idProduct}=="${hex4(ids.productId)}"`
        : 'KERNEL=="ttyUSB[0-9]*|ttyACM[0-9]*"';
      add(`# ${config.id} (serial ${config.path})`, `SUBSYSTEM=="tty", ${match}, ${access}`);
    }
  }
  lines.push('# then: udevadm control --reload-rules && udevadm trigger, and replug');
  return `${lines.join('\n')}\n`;
}
