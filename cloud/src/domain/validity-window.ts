import { formatDuration } from '@lounge/shared';
import { CloudError } from '../errors.ts';

/** The settings that shape a token's window (SPEC.md 3). */
export interface WindowSettings {
  validityBeforeMs: number;
  validityAfterMs: number;
  invitationMaxAheadMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The token window around a departure, in whole seconds (`nbf`, `exp`). Refuses an invitation
 * that could never be used (SPEC.md 5): a window already over is FLIGHT_DEPARTED; a departure
 * beyond INVITATION_MAX_AHEAD is FLIGHT_TOO_FAR_AHEAD, which also bounds how long a superseded
 * signing key stays published (SPEC.md 4).
 */
export function validityWindow(
  flight: string,
  departureMs: number,
  nowMs: number,
  settings: WindowSettings,
): { nbf: number; exp: number } {
  const nbf = Math.floor((departureMs - settings.validityBeforeMs) / 1000);
  const exp = Math.floor((departureMs + settings.validityAfterMs) / 1000);
  // The same instant `statusOf` calls expired: an invitation issued now would be born dead.
  if (nowMs >= exp * 1000) {
    throw new CloudError(
      'FLIGHT_DEPARTED',
      `flight ${flight} departed at ${iso(departureMs)}; its lounge access ended at ${iso(exp * 1000)}`,
    );
  }
  if (departureMs - nowMs > settings.invitationMaxAheadMs) {
    const ahead = formatDuration(Math.floor(settings.invitationMaxAheadMs / 1000));
    throw new CloudError(
      'FLIGHT_TOO_FAR_AHEAD',
      `flight ${flight} departs at ${iso(departureMs)}, more than ${ahead} from now; invite the customer later`,
      { maxAhead: ahead },
    );
  }
  return { nbf, exp };
}
