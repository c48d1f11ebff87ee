import { signLink } from '../security/index.ts';

/** Signed, expiring links to an invitation's stored QR images (SPEC.md section 5). */
export interface QrLinks {
  png: string;
  svg: string;
  expiresAt: string;
}

/** The path a link signs: the same string the route verifies. */
export const qrPath = (invitationId: string, format: 'png' | 'svg'): string =>
  `/v1/invitations/${invitationId}/qr.${format}`;

/** Links valid until the invitation's validUntil (ms). */
export function qrLinks(
  publicUrl: string,
  invitationId: string,
  validUntilMs: number,
  secret: Uint8Array,
): QrLinks {
  const expSeconds = Math.floor(validUntilMs / 1000);
  const link = (format: 'png' | 'svg'): string => {
    const path = qrPath(invitationId, format);
    const { exp, sig } = signLink(path, expSeconds, secret);
    return `${publicUrl}${path}?exp=${exp}&sig=${sig}`;
  };
  return {
    png: link('png'),
    svg: link('svg'),
    expiresAt: new Date(expSeconds * 1000).toISOString(),
  };
}
