/** The document's header; the operations come from the route definitions (SPEC.md 5). */
export function openApiConfig(publicUrl: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Lounge cloud API',
      version: '1.0.0',
      description: 'VIP lounge invitations. Errors are RFC 9457 application/problem+json.',
    },
    servers: [{ url: publicUrl }],
    tags: [
      { name: 'Invitations', description: 'Issue, read, list and revoke invitations; QR images' },
      { name: 'Lounge systems', description: 'Revocation feed, cloud decisions, lounge events' },
      { name: 'Devices', description: 'Enrolment and the fleet' },
      { name: 'Admin', description: 'Lounges, enrolment tokens, API keys, signing keys' },
      { name: 'Public', description: 'Keys, health, readiness, metrics' },
    ],
  };
}
