import { z } from 'zod';
import { parseJson, type HttpClient } from './http-client.ts';
import type { LoyaltyClient, Member } from './ports.ts';

const memberSchema = z.object({
  customerId: z.string().min(1),
  tier: z.string(),
  status: z.enum(['active', 'suspended']),
  loungeAccess: z.boolean(),
  guestAllowance: z.number().int().min(0),
});

/** `GET {LOYALTY_URL}/v1/members/{customerId}` (SPEC.md section 5); 404 = not a member. */
export function httpLoyaltyClient(http: HttpClient): LoyaltyClient {
  return {
    getMember(customerId: string): Promise<Member | null> {
      const req = {
        method: 'GET' as const,
        path: `/v1/members/${encodeURIComponent(customerId)}`,
        idempotent: true,
      };
      return http.call('getMember', req, (answer) => {
        if (answer.status === 404) return { outcome: 'not_found', value: null };
        if (answer.status !== 200) throw http.unexpected(answer, true);
        const parsed = memberSchema.safeParse(parseJson(answer.body));
        if (!parsed.success) throw http.malformed(answer, parsed.error.issues[0]?.message ?? '');
        // An answer about someone else is as untrustworthy as a broken one.
        if (parsed.data.customerId !== customerId) throw http.malformed(answer, 'other customer');
        return { outcome: 'ok', value: parsed.data };
      });
    },
  };
}
