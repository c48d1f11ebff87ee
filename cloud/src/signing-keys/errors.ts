/** Stable codes of the signing-key module, so callers `switch` on them. */
export type SigningKeyErrorCode = 'KEY_DECRYPT_FAILED' | 'KEY_ENCRYPTION_KEY_INVALID';

/** A signing-key failure with a stable code; the message says what to fix. */
export class SigningKeyError extends Error {
  readonly code: SigningKeyErrorCode;

  constructor(code: SigningKeyErrorCode, message: string) {
    super(message);
    this.name = 'SigningKeyError';
    this.code = code;
  }
}
