/** An Ed25519 public key as a JWK (RFC 8037). */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid?: string;
  alg?: 'EdDSA';
  use?: 'sig';
}

/** An Ed25519 private key as a JWK. */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  d: string;
}

/** A JSON Web Key Set as served at `/.well-known/jwks.json`. */
export interface Jwks {
  keys: Ed25519PublicJwk[];
}

export function isEd25519PublicJwk(value: unknown): value is Ed25519PublicJwk {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk.kty === 'OKP' &&
    jwk.crv === 'Ed25519' &&
    typeof jwk.x === 'string' &&
    /^[A-Za-z0-9_-]{43}$/.test(jwk.x) &&
    (jwk.kid === undefined || typeof jwk.kid === 'string')
  );
}

/** The public half of a private JWK, with `d` removed. */
export function publicJwkOf(jwk: Ed25519PrivateJwk): Ed25519PublicJwk {
  const { d: _d, ...pub } = jwk;
  return pub;
}
