import { z } from 'zod';

/** One scanner entry of the edge config file (SPEC.md sections 7 and 8). */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or -, at most 32');

export const serialScannerSchema = z.object({
  id,
  type: z.literal('serial'),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  suffix: z.enum(['cr', 'lf', 'crlf', 'tab']).default('crlf'),
});

const hidIds = {
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  /** Optional: pick one of several identical scanners by its hidraw/usb path. */
  path: z.string().min(1).optional(),
};

export const hidPosScannerSchema = z.object({ id, type: z.literal('hid-pos'), ...hidIds });

export const hidKeyboardScannerSchema = z.object({
  id,
  type: z.literal('hid-keyboard'),
  ...hidIds,
  layout: z.enum(['us', 'es']).default('us'),
});

export const stdinScannerSchema = z.object({ id, type: z.literal('stdin') });

export const scannerConfigSchema = z.discriminatedUnion('type', [
  serialScannerSchema,
  hidPosScannerSchema,
  hidKeyboardScannerSchema,
  stdinScannerSchema,
]);

export type ScannerConfig = z.infer<typeof scannerConfigSchema>;
export type SerialScannerConfig = z.infer<typeof serialScannerSchema>;
export type HidPosScannerConfig = z.infer<typeof hidPosScannerSchema>;
export type HidKeyboardScannerConfig = z.infer<typeof hidKeyboardScannerSchema>;
