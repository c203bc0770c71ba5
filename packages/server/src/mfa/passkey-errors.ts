/**
 * Why a WebAuthn response was refused. Each refusal changes nothing stored except that the
 * ceremony's challenge is spent (single use, WebAuthn L3 §13.4.3).
 */
export type PasskeyErrorCode =
  /** Not the shape of a `PublicKeyCredential` JSON (WebAuthn L3 §5.1.8/§5.1.9), or bad encoding. */
  | 'malformed'
  /** Larger than we accept (the credential JSON or its client data, see `PASSKEY_LIMITS`). */
  | 'oversized'
  /** `clientData.type` is not the ceremony's (`webauthn.create` / `webauthn.get`, §5.8.1). */
  | 'wrong_type'
  /** The challenge is none we issued for this page, purpose and user. */
  | 'wrong_challenge'
  | 'expired'
  /** The ceremony was already finished (or tried) once. */
  | 'replayed'
  /** `clientData.origin` is not one of ours, or the call came from a cross-origin frame. */
  | 'wrong_origin'
  /** `rpIdHash` in the authenticator data is not SHA-256 of our RP ID (§7.1 step 15, §7.2 step 15). */
  | 'wrong_rp_id'
  /** The authenticator did not test user presence (UP) or verification (UV) where required. */
  | 'user_not_verified'
  /** No registered passkey has this credential id (or its user is disabled). */
  | 'unknown_credential'
  /** The credential belongs to another user than the one signing in (§7.2 step 6). */
  | 'wrong_user'
  /** The signature counter did not grow: a possible cloned authenticator (§6.1.1, §7.2 step 22). */
  | 'counter_regressed'
  /** The signature or attestation does not verify. */
  | 'bad_signature'
  /** This credential id is already registered (§7.1 step 25). */
  | 'already_registered';

/** A refused WebAuthn response: a typed code, a message without any credential material. */
export class PasskeyError extends Error {
  override readonly name = 'PasskeyError';
  constructor(
    readonly code: PasskeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** HTTP status of a refused WebAuthn response: 400 for what is not a valid answer, else 401. */
export function passkeyStatus(e: PasskeyError): number {
  return e.code === 'malformed' || e.code === 'oversized' || e.code === 'wrong_type' ? 400 : 401;
}
