import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeClientDataJSON,
  parseAuthenticatorData,
  type ParsedAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import type { PasskeyConfig } from '../config.js';
import type { IssuerContext } from '../context.js';
import type { UserRow, WebauthnCredentialRow } from '../stores/store.js';
import { startCeremony, takeCeremony, type CeremonyPurpose } from './passkey-ceremony.js';
import { PasskeyError } from './passkey-errors.js';

export { PasskeyError, type PasskeyErrorCode } from './passkey-errors.js';

/** Byte caps on what a browser posts (checked before anything is decoded further). */
export const PASSKEY_LIMITS = {
  /** The credential JSON as posted (a `none` attestation is well under 2 KiB). */
  credentialChars: 4096,
  /** Decoded `clientDataJSON` (§5.8.1: a handful of short members, ~200 bytes in practice). */
  clientDataBytes: 1024,
  /** Credential id (§5.8.3 / §6.5.1: at most 1023 bytes). */
  credentialIdBytes: 1023,
} as const;

/** COSE algorithms we accept (§5.3.5 / §5.4): Ed25519, ES256, RS256 — what authenticators make. */
const ALGORITHMS = [-8, -7, -257];
const B64URL = /^[A-Za-z0-9_-]*$/;

function configOf(ctx: IssuerContext): PasskeyConfig {
  const c = ctx.config.passkeys;
  if (c === undefined) throw new Error('passkeys are not configured');
  return c;
}

/** The user handle (§5.4.3 `user.id`): our opaque user id, never the username. */
const userHandleOf = (user: Pick<UserRow, 'id'>) => new Uint8Array(Buffer.from(user.id, 'utf8'));

const transportsOf = (row: WebauthnCredentialRow) =>
  JSON.parse(row.transports) as AuthenticatorTransport[];

/**
 * RFC 8176 §2 for a passkey: `swk` when the credential may be synced (backup eligible: its key
 * leaves the device), `hwk` when it is device-bound. With attestation `none` this is what the
 * authenticator reports, not a certified fact.
 */
export function passkeyAmr(row: Pick<WebauthnCredentialRow, 'backup_eligible'>): 'hwk' | 'swk' {
  return row.backup_eligible === 1 ? 'swk' : 'hwk';
}

/** Creation options for a user adding a passkey: discoverable, user-verified, attestation `none`. */
export async function registrationOptions(
  ctx: IssuerContext,
  clientId: string,
  interaction: string,
  user: UserRow,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const c = configOf(ctx);
  const existing = await ctx.store.listWebauthnCredentials(user.id);
  const { challenge } = await startCeremony(ctx, clientId, {
    purpose: 'register',
    interaction,
    userId: user.id,
  });
  return generateRegistrationOptions({
    rpName: c.rpName,
    rpID: c.rpId,
    userName: user.username,
    userDisplayName: user.username,
    userID: userHandleOf(user),
    challenge,
    timeout: c.ceremonyTtl * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((r) => ({ id: r.id, transports: transportsOf(r) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/**
 * Request options: for a sign-in no credential list (discoverable credentials, conditional UI);
 * for a second factor the user's own credentials.
 */
export async function authenticationOptions(
  ctx: IssuerContext,
  clientId: string,
  interaction: string,
  forUser?: Pick<UserRow, 'id'>,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const c = configOf(ctx);
  const allow = forUser === undefined ? [] : await ctx.store.listWebauthnCredentials(forUser.id);
  const { challenge } = await startCeremony(ctx, clientId, {
    purpose: forUser === undefined ? 'login' : 'second_factor',
    interaction,
    ...(forUser !== undefined ? { userId: forUser.id } : {}),
  });
  return generateAuthenticationOptions({
    rpID: c.rpId,
    challenge,
    timeout: c.ceremonyTtl * 1000,
    allowCredentials: allow.map((r) => ({ id: r.id, transports: transportsOf(r) })),
    userVerification: forUser === undefined ? 'required' : 'preferred',
  });
}

function b64(v: unknown, what: string, maxChars = PASSKEY_LIMITS.credentialChars): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > maxChars || !B64URL.test(v))
    throw new PasskeyError('malformed', `${what} is not base64url`);
  return v;
}

/** Parse and shape-check the posted credential JSON (§5.1 `toJSON()`). */
function parseCredential(text: string | undefined, kind: 'create' | 'get'): Record<string, any> {
  if (text === undefined || text.length === 0)
    throw new PasskeyError('malformed', 'no credential was posted');
  if (text.length > PASSKEY_LIMITS.credentialChars)
    throw new PasskeyError('oversized', 'the credential is too large');
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new PasskeyError('malformed', 'the credential is not JSON');
  }
  const o = j as Record<string, any>;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o['type'] !== 'public-key')
    throw new PasskeyError('malformed', 'the credential is not a public-key credential');
  const id = b64(o['id'], 'id');
  if (o['rawId'] !== id) throw new PasskeyError('malformed', 'rawId differs from id');
  if (Buffer.from(id, 'base64url').length > PASSKEY_LIMITS.credentialIdBytes)
    throw new PasskeyError('oversized', 'the credential id is too long');
  const r = o['response'] as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw new PasskeyError('malformed', 'the credential has no response');
  b64(r['clientDataJSON'], 'clientDataJSON');
  if (kind === 'create') b64(r['attestationObject'], 'attestationObject');
  else {
    b64(r['authenticatorData'], 'authenticatorData');
    b64(r['signature'], 'signature');
    if (r['userHandle'] !== undefined && r['userHandle'] !== null)
      b64(r['userHandle'], 'userHandle');
  }
  if (r['transports'] !== undefined) {
    const t = r['transports'];
    if (!Array.isArray(t) || t.length > 8 || t.some((x) => typeof x !== 'string' || x.length > 16))
      throw new PasskeyError('malformed', 'transports is not a short list of names');
  }
  if (o['clientExtensionResults'] === undefined) o['clientExtensionResults'] = {};
  return o;
}

/**
 * Client data checks of §7.1 steps 7-10 / §7.2 steps 11-14 with typed refusals, and the
 * ceremony's challenge spent: type, challenge (ours, for this page, unused, unexpired), origin.
 */
async function checkClientData(
  ctx: IssuerContext,
  encoded: string,
  type: 'webauthn.create' | 'webauthn.get',
  binding: { purpose: CeremonyPurpose; interaction: string; userId?: string },
): Promise<string> {
  if (Buffer.from(encoded, 'base64url').length > PASSKEY_LIMITS.clientDataBytes)
    throw new PasskeyError('oversized', 'the client data is too large');
  let cd: ReturnType<typeof decodeClientDataJSON>;
  try {
    cd = decodeClientDataJSON(encoded);
  } catch {
    throw new PasskeyError('malformed', 'the client data is not JSON');
  }
  if (typeof cd !== 'object' || cd === null || typeof cd.challenge !== 'string')
    throw new PasskeyError('malformed', 'the client data has no challenge');
  if (cd.type !== type) throw new PasskeyError('wrong_type', `the client data is not ${type}`);
  await takeCeremony(ctx, cd.challenge, binding);
  const c = configOf(ctx);
  // §7.2 step 13: a call from a cross-origin iframe is not our page.
  if (
    typeof cd.origin !== 'string' ||
    !c.origins.includes(cd.origin) ||
    (cd as { crossOrigin?: unknown }).crossOrigin === true ||
    (cd as { topOrigin?: unknown }).topOrigin !== undefined
  )
    throw new PasskeyError('wrong_origin', 'the response was made for another origin');
  return cd.challenge;
}

function checkAuthData(
  ctx: IssuerContext,
  bytes: Uint8Array,
  uvRequired: boolean,
): ParsedAuthenticatorData {
  let a: ParsedAuthenticatorData;
  try {
    a = parseAuthenticatorData(new Uint8Array(bytes));
  } catch {
    throw new PasskeyError('malformed', 'the authenticator data does not parse');
  }
  const expected = createHash('sha256').update(configOf(ctx).rpId).digest();
  if (!expected.equals(Buffer.from(a.rpIdHash)))
    throw new PasskeyError('wrong_rp_id', 'the response was made for another RP ID');
  if (!a.flags.up) throw new PasskeyError('user_not_verified', 'the user was not present');
  if (uvRequired && !a.flags.uv)
    throw new PasskeyError('user_not_verified', 'the authenticator did not verify the user');
  return a;
}

/**
 * WebAuthn L3 §7.1 "Registering a New Credential" for `user`, on the challenge of `interaction`:
 * our typed checks first, then @simplewebauthn/server's verification; the credential is stored
 * only when everything passed.
 */
export async function verifyPasskeyRegistration(
  ctx: IssuerContext,
  posted: string | undefined,
  interaction: string,
  user: UserRow,
): Promise<WebauthnCredentialRow> {
  const c = configOf(ctx);
  const o = parseCredential(posted, 'create');
  const response = o as unknown as RegistrationResponseJSON;
  const challenge = await checkClientData(
    ctx,
    response.response.clientDataJSON,
    'webauthn.create',
    {
      purpose: 'register',
      interaction,
      userId: user.id,
    },
  );
  let authData: Uint8Array;
  try {
    authData = decodeAttestationObject(
      Buffer.from(response.response.attestationObject, 'base64url'),
    ).get('authData');
  } catch {
    throw new PasskeyError('malformed', 'the attestation object does not parse');
  }
  if (!(authData instanceof Uint8Array))
    throw new PasskeyError('malformed', 'the attestation object has no authenticator data');
  checkAuthData(ctx, authData, true);
  if ((await ctx.store.findWebauthnCredential(response.id)) !== undefined)
    throw new PasskeyError('already_registered', 'this passkey is already registered');
  let info;
  try {
    const v = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...c.origins],
      expectedRPID: c.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!v.verified) throw new Error('not verified');
    info = v.registrationInfo;
  } catch {
    throw new PasskeyError('bad_signature', 'the registration response does not verify');
  }
  if (info.credential.id !== response.id)
    throw new PasskeyError('malformed', 'the credential id differs from the attested one');
  const now = ctx.nowSeconds();
  const row: WebauthnCredentialRow = {
    id: info.credential.id,
    user_id: user.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: JSON.stringify(response.response.transports ?? []),
    backup_eligible: info.credentialDeviceType === 'multiDevice' ? 1 : 0,
    backup_state: info.credentialBackedUp ? 1 : 0,
    created_at: now,
    last_used_at: null,
  };
  if (!(await ctx.store.insertWebauthnCredential(row)))
    throw new PasskeyError('already_registered', 'this passkey is already registered');
  return row;
}

/** A verified assertion: whose it is and the credential (counter already advanced). */
export interface PasskeyAssertion {
  readonly user: UserRow;
  readonly credential: WebauthnCredentialRow;
  /** `hwk` or `swk` (RFC 8176). */
  readonly method: 'hwk' | 'swk';
  readonly userVerified: boolean;
}

/**
 * WebAuthn L3 §7.2 "Verifying an Authentication Assertion": a passwordless sign-in
 * (`forUserId` absent: discoverable credential, user verification required) or a second factor
 * for `forUserId`. Counter regressions are refused; the counter advances by compare-and-swap.
 */
export async function verifyPasskeyAssertion(
  ctx: IssuerContext,
  posted: string | undefined,
  interaction: string,
  forUserId?: string,
): Promise<PasskeyAssertion> {
  const c = configOf(ctx);
  const o = parseCredential(posted, 'get');
  const response = o as unknown as AuthenticationResponseJSON;
  const purpose: CeremonyPurpose = forUserId === undefined ? 'login' : 'second_factor';
  const challenge = await checkClientData(ctx, response.response.clientDataJSON, 'webauthn.get', {
    purpose,
    interaction,
    ...(forUserId !== undefined ? { userId: forUserId } : {}),
  });
  const auth = checkAuthData(
    ctx,
    Buffer.from(response.response.authenticatorData, 'base64url'),
    purpose === 'login',
  );
  const row = await ctx.store.findWebauthnCredential(response.id);
  const user = row === undefined ? undefined : await ctx.store.findUserById(row.user_id);
  if (row === undefined || user === undefined || user.disabled === 1)
    throw new PasskeyError('unknown_credential', 'this passkey is not registered here');
  // §7.2 step 6: the credential must be the identified user's, and the user handle (when sent)
  // must name its owner.
  const handle = response.response.userHandle;
  if (
    (forUserId !== undefined && row.user_id !== forUserId) ||
    (handle != null && Buffer.from(handle, 'base64url').toString('utf8') !== row.user_id) ||
    (forUserId === undefined && handle == null)
  )
    throw new PasskeyError('wrong_user', 'this passkey belongs to another user');
  // §7.2 step 22: a counter that does not grow means a possible clone.
  if ((row.counter !== 0 || auth.counter !== 0) && auth.counter <= row.counter)
    throw new PasskeyError('counter_regressed', 'the passkey signature counter went backwards');
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...c.origins],
      expectedRPID: c.rpId,
      credential: {
        id: row.id,
        publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')),
        counter: row.counter,
        transports: transportsOf(row),
      },
      requireUserVerification: purpose === 'login',
    });
  } catch {
    throw new PasskeyError('bad_signature', 'the assertion does not verify');
  }
  if (!verified.verified) throw new PasskeyError('bad_signature', 'the assertion does not verify');
  const now = ctx.nowSeconds();
  const next = {
    counter: verified.authenticationInfo.newCounter,
    backupState: verified.authenticationInfo.credentialBackedUp,
    now,
  };
  if (!(await ctx.store.useWebauthnCredential(row.id, row.counter, next)))
    throw new PasskeyError('counter_regressed', 'the passkey was used concurrently');
  return {
    user,
    credential: { ...row, counter: next.counter, last_used_at: now },
    method: passkeyAmr(row),
    userVerified: verified.authenticationInfo.userVerified,
  };
}
