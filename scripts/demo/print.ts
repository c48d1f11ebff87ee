import type { Decision } from '@lounge/shared';
import type { Invitation } from './setup.ts';

/** Everything the demo prints, as pure functions of what it knows: easy to read and to test. */

/** What the printed blocks refer to: the real ports, keys and ids of this run. */
export interface DemoFacts {
  cloudUrl: string;
  edgeUrl: string;
  appKey: string;
  adminKey: string;
  edgeToken: string;
  loungeId: string;
  today: string;
  dir: string;
}

/** One readable line per decision: `✔ GRANT inv_… admit 2 (gate console)`. */
export function decisionLine(d: Decision): string {
  const notes = [`gate ${d.gate}`];
  if (d.scanId) notes.push(`scanId ${d.scanId}`);
  if (d.dryRun) notes.push('dry run');
  if (d.offline) notes.push('offline');
  if (d.clockSuspect) notes.push('clock suspect');
  if (d.staff) notes.push(`${d.reason === 'OVERRIDE' ? 'by hand, ' : ''}staff ${d.staff}`);
  const id = d.invitationId ?? '';
  if (d.decision === 'grant') {
    if (d.entriesLeft > 0)
      notes.push(`${d.entriesLeft} more entr${d.entriesLeft === 1 ? 'y' : 'ies'}`);
    return `✔ GRANT ${id} admit ${d.admit} (${notes.join(', ')})`;
  }
  return `✖ DENY ${d.reason}${id ? ` ${id}` : ''} (${notes.join(', ')})`;
}

/** An annulment from the SSE stream (`event: annul`), or any other event, in one line. */
export function otherEventLine(event: string, data: string): string {
  if (event === 'annul') {
    try {
      const a = JSON.parse(data) as { invitationId?: string; annuls?: string; gate?: string };
      return `↺ ANNUL ${a.invitationId ?? '?'}: grant ${a.annuls ?? '?'} given back (gate ${a.gate ?? '?'})`;
    } catch {
      // fall through to the raw line
    }
  }
  return `· ${event}: ${data}`;
}

/** The services block: where each process listens, its pid and its log file. */
export function servicesBlock(
  services: { name: string; url: string; pid: number; log: string }[],
): string {
  const width = Math.max(...services.map((s) => s.name.length));
  return services
    .map((s) => `  ${s.name.padEnd(width)}  ${s.url}  (pid ${s.pid}, log ${s.log})`)
    .join('\n');
}

/** The sample invitation: the QR drawn in the terminal, the token, the signed PNG link. */
export function invitationBlock(inv: Invitation, qrText: string): string {
  return [
    `Sample invitation ${inv.id} (${inv.guests} guest${inv.guests === 1 ? '' : 's'}), valid ${inv.validFrom} → ${inv.validUntil}`,
    '',
    qrText.trimEnd(),
    '',
    `token: ${inv.token}`,
    `png:   ${inv.qr.png}`,
  ].join('\n');
}

const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Copy-pasteable next steps with this run's real ports and keys. */
export function tryNextBlock(f: DemoFacts, inv: Invitation): string {
  const app = `-H ${q(`Authorization: Bearer ${f.appKey}`)}`;
  const edge = `-H ${q(`Authorization: Bearer ${f.edgeToken}`)}`;
  const json = `-H 'Content-Type: application/json'`;
  const another = JSON.stringify({
    customerId: 'IB0002',
    loungeId: f.loungeId,
    flight: { number: 'IB0615', date: f.today },
  });
  return [
    'Try this next:',
    '  • paste the token above (or any text) here and press Enter: the edge scanner "console" reads it.',
    '    It admits once: the same code again within 1.5 s is a double read (dropped), later ALREADY_USED.',
    '  • scan through the edge API, as the AENA turnstile does (run it twice: a retry with the same',
    '    scanId answers the same decision, same eventId, and consumes nothing):',
    `    curl -s ${f.edgeUrl}/v1/scan ${edge} ${json} -d ${q(JSON.stringify({ code: inv.token, gate: 'turnstile', scanId: 'turnstile-0001' }))}`,
    '  • revoke the sample invitation, then paste its token again (REVOKED within a second):',
    `    curl -s ${f.cloudUrl}/v1/invitations/${inv.id}/revoke ${app} ${json} -d '{"reason":"demo"}'`,
    '  • issue another invitation (customer IB0002, today); its answer carries the token:',
    `    curl -s ${f.cloudUrl}/v1/invitations ${app} ${json} -H 'Idempotency-Key: demo-2' -d ${q(another)}`,
    '  • look around:',
    `    curl -s ${f.edgeUrl}/healthz      # uploads: pending, oldestPendingAt, lastUploadAt, lastError`,
    `    curl -s ${f.cloudUrl}/readyz     # each outbox lane: pending, oldest age, last error`,
    `    curl -s ${f.cloudUrl}/v1/devices -H ${q(`Authorization: Bearer ${f.adminKey}`)}`,
    `    curl -s ${f.cloudUrl}/openapi.json`,
    '',
    `Admin key ${f.adminKey}, app key ${f.appKey}, edge API token ${f.edgeToken}.`,
    `Data and logs in ${f.dir}. Ctrl-C stops everything.`,
    '',
    'Decisions:',
  ].join('\n');
}
