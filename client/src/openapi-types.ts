// Generated from the cloud's OpenAPI document (GET /openapi.json) by openapi-typescript.
// Do not edit: run `npm run generate -w client` after changing a route; a test fails until then.
export interface paths {
  '/.well-known/jwks.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The published token-signing keys (JWKS) */
    get: operations['getJwks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the process runs */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: database and broker reachable, outbox backlog */
    get: operations['getReadiness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics */
    get: operations['getMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List invitations by customer, lounge, status and flight dates, newest first */
    get: operations['listInvitations'];
    put?: never;
    /** Issue an invitation: check loyalty and flight, sign the QR token, store it */
    post: operations['issueInvitation'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read an invitation, with fresh signed QR links */
    get: operations['getInvitation'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke an invitation (idempotent) and publish the revocation to the edges */
    post: operations['revokeInvitation'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/qr.png': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The invitation's QR image (PNG), with a key or a signed link */
    get: operations['getInvitationQrPng'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/qr.svg': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The invitation's QR image (SVG), with a key or a signed link */
    get: operations['getInvitationQrSvg'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/revocations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Page through the revocation feed (the edges catch up with it) */
    get: operations['listRevocations'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/validate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Decide a scanned code in the cloud (for lounges without an edge agent) */
    post: operations['validateCode'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/entries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Upload a batch of the calling device's lounge events */
    post: operations['recordEntries'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/lounges/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read one lounge (a device may read its own lounge) */
    get: operations['getLounge'];
    /** Create or update a lounge */
    put: operations['putLounge'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/lounges': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List every lounge with its capacity and hours */
    get: operations['listLounges'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/enrollment-tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create a single-use enrolment token for a box of a lounge */
    post: operations['createEnrollmentToken'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List every API key, never a secret */
    get: operations['listApiKeys'];
    put?: never;
    /** Create an API key (the secret is shown once) */
    post: operations['createApiKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/api-keys/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke an API key, at once on every instance */
    post: operations['revokeApiKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/signing-keys/{kid}/retire': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Retire a leaked signing key at once and re-sign what it signed */
    post: operations['retireSigningKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices/enroll': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Enrol a box with a single-use enrolment token and the device's public key */
    post: operations['enrollDevice'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the fleet, optionally one lounge */
    get: operations['listDevices'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices/{id}/decommission': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Decommission a device (an admin, or the device itself) */
    post: operations['decommissionDevice'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices/{id}/key': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Replace the device's public key, signed with its current key */
    post: operations['rotateDeviceKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Jwks: {
      keys: {
        /** @enum {string} */
        kty: 'OKP';
        /** @enum {string} */
        crv: 'Ed25519';
        x: string;
        kid?: string;
        /** @enum {string} */
        alg?: 'EdDSA';
        /** @enum {string} */
        use?: 'sig';
      }[];
    };
    Problem: {
      type: string;
      title: string;
      status: number;
      detail: string;
      code: string;
    };
    Invitation: {
      id: string;
      /** @enum {string} */
      status: 'issued' | 'used' | 'revoked' | 'expired';
      customerId: string;
      loungeId: string;
      flight: {
        number: string;
        date: string;
        departureTime: string;
      };
      guests: number;
      entries: number;
      validFrom: string;
      validUntil: string;
      qr: {
        png: string;
        svg: string;
        expiresAt: string;
      };
      token: string;
      createdAt: string;
      revokedAt?: string;
      usedAt?: string;
    };
    Revocation: {
      seq: number;
      invitationId: string;
      revokedAt: string;
      reason: string;
      exp: number;
    };
    Decision: {
      /** @enum {string} */
      decision: 'grant' | 'deny';
      reason: string;
      invitationId: string | null;
      admit: number;
      entriesLeft: number;
      validUntil: string | null;
      gate: string;
      eventId: string;
      decidedAt: string;
      offline: boolean;
      /** @enum {boolean} */
      dryRun?: true;
      /** @enum {boolean} */
      clockSuspect?: true;
    };
    Lounge: {
      id: string;
      airport: string;
      name: string;
      timezone: string;
      capacity: number | null;
      hours: components['schemas']['OpeningHours'];
      updatedAt: string;
    };
    /** @description HH:MM in the lounge time zone */
    OpeningHours: {
      opens: string;
      closes: string;
    } | null;
    ApiKey: {
      id: string;
      /** @enum {string} */
      role: 'app' | 'admin';
      name: string;
      createdAt: string;
      revokedAt: string | null;
    };
    SigningKeyRetirement: {
      kid: string;
      retiredAt: string;
      reissued: number;
      staleDevices: {
        deviceId: string;
        loungeId: string;
        online: boolean;
        lastSeenAt: string | null;
      }[];
    };
    Device: {
      deviceId: string;
      loungeId: string;
      name: string;
      hardware: string | null;
      enrolledAt: string;
      lastSeenAt: string | null;
      online: boolean;
      /** @description no heartbeat for 3 minutes */
      stale: boolean;
      heartbeatAt: string | null;
      /** @description the last full heartbeat: the box /healthz body plus online, version, kids, storage, at */
      heartbeat:
        | ({
            /** @enum {boolean} */
            online: true;
            at: string;
          } & {
            [key: string]: unknown;
          })
        | null;
      revocationSeq: number;
      decommissionedAt: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getJwks: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the published signing keys (SPEC.md section 4) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Jwks'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the process is alive */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'ok';
          };
        };
      };
    };
  };
  getReadiness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description database and broker reachable; each outbox lane with its backlog, oldest age and blocking error */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'ready';
            /** @enum {string} */
            db: 'ok';
            /** @enum {string} */
            broker: 'connected';
            outbox: {
              crm: {
                pending: number;
                oldestPendingAt: string | null;
                oldestPendingAgeSeconds: number;
                lastError: {
                  detail: string;
                  attempts: number;
                  nextAttemptAt: string;
                } | null;
              };
              ibdp: {
                pending: number;
                oldestPendingAt: string | null;
                oldestPendingAgeSeconds: number;
                lastError: {
                  detail: string;
                  attempts: number;
                  nextAttemptAt: string;
                } | null;
              };
              mqtt: {
                pending: number;
                oldestPendingAt: string | null;
                oldestPendingAgeSeconds: number;
                lastError: {
                  detail: string;
                  attempts: number;
                  nextAttemptAt: string;
                } | null;
              };
            };
          };
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text exposition format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listInvitations: {
    parameters: {
      query?: {
        customerId?: string;
        loungeId?: string;
        status?: 'issued' | 'used' | 'revoked' | 'expired';
        from?: string;
        to?: string;
        cursor?: string;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Invitation'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  issueInvitation: {
    parameters: {
      query?: never;
      header?: {
        'idempotency-key'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          customerId: string;
          loungeId: string;
          flight: {
            number: string;
            /** Format: date */
            date: string;
          };
          guests?: number;
        };
      };
    };
    responses: {
      /** @description the invitation */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invitation'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description conflict with the current state (see the route) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description the request is well formed but cannot be carried out (see the route) */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getInvitation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the invitation */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invitation'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  revokeInvitation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          reason: string;
        };
      };
    };
    responses: {
      /** @description the revoked invitation and its revocation (same answer when repeated) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Invitation'] & {
            revocation: components['schemas']['Revocation'];
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getInvitationQrPng: {
    parameters: {
      query?: {
        exp?: string;
        sig?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the stored QR image (PNG) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/png': string;
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description gone (INVITATION_REVOKED, INVITATION_EXPIRED) */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getInvitationQrSvg: {
    parameters: {
      query?: {
        exp?: string;
        sig?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the stored QR image (SVG) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/svg+xml': string;
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description gone (INVITATION_REVOKED, INVITATION_EXPIRED) */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listRevocations: {
    parameters: {
      query?: {
        after?: number | null;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description revocations with seq > after, ascending; lastSeq is the newest seq overall */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            entries: components['schemas']['Revocation'][];
            lastSeq: number;
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  validateCode: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          code: string;
          loungeId: string;
          consume?: boolean;
          gate?: string;
        };
      };
    };
    responses: {
      /** @description the decision (a deny is a 200 too) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Decision'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  recordEntries: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          events: ({
            eventId: string;
          } & {
            [key: string]: unknown;
          })[];
        };
      };
    };
    responses: {
      /** @description each event accepted (stored now or before) or refused with a code */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accepted: string[];
            refused: {
              eventId: string | null;
              /** @enum {string} */
              code:
                | 'INVALID_EVENT'
                | 'WRONG_DEVICE'
                | 'UNKNOWN_INVITATION'
                | 'WRONG_LOUNGE'
                | 'UNKNOWN_GRANT';
            }[];
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getLounge: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the lounge */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Lounge'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  putLounge: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          airport: string;
          name: string;
          timezone: string;
          capacity?: number;
          hours?: {
            opens: string;
            closes: string;
          };
        };
      };
    };
    responses: {
      /** @description the lounge */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Lounge'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listLounges: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description every lounge */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Lounge'][];
          };
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createEnrollmentToken: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          loungeId: string;
          ttlSeconds?: number;
        };
      };
    };
    responses: {
      /** @description a single-use enrolment token (default lifetime 1 h) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            token: string;
            loungeId: string;
            expiresAt: string;
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description the request is well formed but cannot be carried out (see the route) */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listApiKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description every key, oldest first; no secrets */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['ApiKey'][];
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createApiKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          role: 'app' | 'admin';
          name: string;
        };
      };
    };
    responses: {
      /** @description the new key; `key` is the secret, shown once */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: string;
            role: string;
            name: string;
            key: string;
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  revokeApiKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the revoked key (idempotent: the first revokedAt) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiKey'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description conflict with the current state (see the route) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  retireSigningKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        kid: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          reason: string;
        };
      };
    };
    responses: {
      /** @description retired (idempotent: a repeat answers the same retirement) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SigningKeyRetirement'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  enrollDevice: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          publicKey: {
            kty: string;
            crv: string;
            x: string;
          } & {
            [key: string]: unknown;
          };
          name?: string;
          hardware?: string;
        };
      };
    };
    responses: {
      /** @description the device identity and where to connect */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            deviceId: string;
            loungeId: string;
            cloudUrl: string;
            issuer: string;
            jwks: components['schemas']['Jwks'];
            mqtt: {
              url: string;
              username: string;
              password: string;
            };
            ibdp: {
              url: string;
              token: string;
            };
            lounge?: {
              capacity: number | null;
              hours: {
                opens: string;
                closes: string;
              } | null;
              timezone: string;
              updatedAt: string;
            };
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description conflict with the current state (see the route) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listDevices: {
    parameters: {
      query?: {
        loungeId?: string;
        stale?: 'true' | 'false';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the fleet, with each device last heartbeat */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            devices: components['schemas']['Device'][];
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  decommissionDevice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the decommissioned device */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Device'];
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description not found (INVITATION_NOT_FOUND, NOT_FOUND, …) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  rotateDeviceKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          publicKey: {
            kty: string;
            crv: string;
            x: string;
          } & {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description the new key */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            deviceId: string;
            publicKey: {
              /** @enum {string} */
              kty: 'OKP';
              /** @enum {string} */
              crv: 'Ed25519';
              x: string;
              kid?: string;
              /** @enum {string} */
              alg?: 'EdDSA';
              /** @enum {string} */
              use?: 'sig';
            };
          };
        };
      };
      /** @description INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description FORBIDDEN: the credential may not use this route (or this resource) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over 64 KiB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description RATE_LIMITED: too many requests for this key, or failed authentications from this address */
      429: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds */
      503: {
        headers: {
          /** @description seconds to wait before retrying */
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
}
