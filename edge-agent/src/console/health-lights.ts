import type { Health } from '../health.ts';
import type { Strings } from './i18n.ts';

/** green: fine; amber: working, look at it; red: a desk agent should call for help. */
export type Light = 'green' | 'amber' | 'red';

/** One line of the console's health panel. */
export interface HealthLight {
  label: string;
  light: Light;
  detail: string;
}

/**
 * The box's health in the words and colours of the desk (SPEC.md 8 `/healthz`): a scanner
 * that is not connected or a suspect clock is red (gates misread or decisions carry a doubt),
 * sync off or behind is amber (the box decides offline), stuck uploads are red and pending ones
 * with an error amber, and storage that cannot record decisions is red.
 */
export function healthLights(h: Health, t: Strings): HealthLight[] {
  const down = h.scanners.filter((s) => s.status !== 'connected');
  const scanners: HealthLight = {
    label: t.scanners,
    light: h.scanners.length === 0 ? 'amber' : down.length ? 'red' : 'green',
    detail: h.scanners.length
      ? h.scanners
          .map((s) => `${s.id}: ${s.status === 'connected' ? t.connected : t.disconnected}`)
          .join(', ')
      : t.none,
  };
  const lag = h.sync.revocationLag;
  const sync: HealthLight = {
    label: t.sync,
    light: h.sync.mqtt === 'connected' && lag === 0 ? 'green' : 'amber',
    detail: [h.sync.mqtt === 'connected' ? t.connected : t.disconnected, lag && `${lag} ${t.lag}`]
      .filter(Boolean)
      .join(', '),
  };
  const stuck = (h.reasons ?? []).some((r) => r.startsWith('uploads:'));
  const err = h.uploads.lastError;
  const uploads: HealthLight = {
    label: t.uploads,
    light: stuck ? 'red' : err ? 'amber' : 'green',
    detail: [
      `${h.uploads.pending} ${t.pending}`,
      err && `${t.lastError}: ${err.status ?? '—'} ${err.detail}`.trim(),
    ]
      .filter(Boolean)
      .join(', '),
  };
  const clock: HealthLight = {
    label: t.clock,
    light: h.clock.suspect ? 'red' : 'green',
    detail: h.clock.suspect ? `${t.suspect} (${h.clock.skewSeconds} s)` : t.ok,
  };
  const storageReason = (h.reasons ?? []).find((r) => r.startsWith('storage:'));
  const storage: HealthLight = {
    label: t.storage,
    light: storageReason ? 'red' : 'green',
    detail: storageReason ? storageReason.slice('storage:'.length).trim() : t.ok,
  };
  return [scanners, sync, uploads, clock, storage];
}

/** The word that goes with a light (colour is never the only signal). */
export const lightWord = (light: Light, t: Strings): string =>
  light === 'green' ? t.ok : light === 'amber' ? t.warn : t.bad;
