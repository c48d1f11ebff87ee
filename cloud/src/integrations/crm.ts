import type { HttpClient } from './http-client.ts';
import type { CrmClient, CrmEvent } from './ports.ts';

/**
 * `POST {CRM_URL}/v1/events`, one JSON event with `Idempotency-Key: eventId` (SPEC.md section 5).
 * The key makes the POST safe to repeat, so it is retried; 409 means the CRM already has it.
 */
export function httpCrmClient(http: HttpClient): CrmClient {
  return {
    send(event: CrmEvent): Promise<void> {
      const req = {
        method: 'POST' as const,
        path: '/v1/events',
        headers: { 'content-type': 'application/json', 'idempotency-key': event.eventId },
        body: JSON.stringify(event),
        idempotent: true,
      };
      return http.call('send', req, (answer) => {
        if (answer.status >= 200 && answer.status < 300) return { outcome: 'ok', value: undefined };
        if (answer.status === 409) return { outcome: 'duplicate', value: undefined };
        throw http.unexpected(answer, true);
      });
    },
  };
}
