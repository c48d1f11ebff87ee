import { z } from 'zod';
import { parseJson, type HttpClient } from './http-client.ts';
import type { EnrichmentClient, Flight } from './ports.ts';

const flightSchema = z.object({
  number: z.string().min(1),
  date: z.iso.date(),
  departureTime: z.iso.datetime({ offset: true }),
  origin: z.string().regex(/^[A-Z]{3}$/, 'origin must be an IATA airport code'),
  terminal: z
    .string()
    .nullish()
    .transform((t) => t ?? null),
});

/** `GET {ENRICHMENT_URL}/v1/flights/{number}/{date}` (SPEC.md section 5); 404 = no such flight. */
export function httpEnrichmentClient(http: HttpClient): EnrichmentClient {
  return {
    getFlight(number: string, date: string): Promise<Flight | null> {
      const req = {
        method: 'GET' as const,
        path: `/v1/flights/${encodeURIComponent(number)}/${encodeURIComponent(date)}`,
        idempotent: true,
      };
      return http.call('getFlight', req, (answer) => {
        if (answer.status === 404) return { outcome: 'not_found', value: null };
        if (answer.status !== 200) throw http.unexpected(answer, true);
        const parsed = flightSchema.safeParse(parseJson(answer.body));
        if (!parsed.success) throw http.malformed(answer, parsed.error.issues[0]?.message ?? '');
        return { outcome: 'ok', value: parsed.data };
      });
    },
  };
}
