import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Ed25519PrivateJwk, Ed25519PublicJwk } from '@lounge/shared';
import { isEd25519PublicJwk, publicJwkOf } from '@lounge/shared';
import { CliError, describeSystemError } from './errors.ts';

/** The device key file name, written next to the config. */
export const DEVICE_KEY_FILE = 'device-key.json';

export interface DeviceKey {
  jwk: Ed25519PrivateJwk;
  publicJwk: Ed25519PublicJwk;
  privateKey: KeyObject;
}

/** A fresh Ed25519 key pair, generated on the box: the private half never leaves it. */
export function generateDeviceKey(): DeviceKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return fromPrivateKey(privateKey);
}

function fromPrivateKey(privateKey: KeyObject): DeviceKey {
  const exported = privateKey.export({ format: 'jwk' });
  const jwk: Ed25519PrivateJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: String(exported.x),
    d: String(exported.d),
  };
  return { jwk, publicJwk: publicJwkOf(jwk), privateKey };
}

/** Loads the device's private JWK; a missing or damaged file is one clear sentence. */
export async function loadDeviceKey(path: string): Promise<DeviceKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read the device key ${path}: ${describeSystemError(err)}.`, {
      code: 'NO_DEVICE_KEY',
    });
  }
  try {
    const jwk = JSON.parse(text) as Record<string, unknown>;
    if (!isEd25519PublicJwk(jwk) || typeof jwk.d !== 'string') throw new Error('not Ed25519');
    return fromPrivateKey(createPrivateKey({ key: { ...jwk, kty: 'OKP' }, format: 'jwk' }));
  } catch {
    throw new CliError(`The device key ${path} is not an Ed25519 private JWK.`, {
      code: 'BAD_DEVICE_KEY',
    });
  }
}

/** The key file as written to disk (JSON, private). */
export const serializeKey = (key: DeviceKey): string => `${JSON.stringify(key.jwk, null, 2)}\n`;
