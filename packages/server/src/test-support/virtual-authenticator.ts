import { createHash, createPrivateKey, sign } from 'node:crypto';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/** A credential as the DevTools protocol's `WebAuthn` domain reports it (binary as base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

export interface VirtualAuthenticator {
  readonly cdp: CDPSession;
  readonly id: string;
  credentials(): Promise<VirtualCredential[]>;
  /** Replace a credential (same key and id) with another signature counter. */
  setSignCount(credentialId: string, signCount: number): Promise<void>;
}

/**
 * Chromium's virtual authenticator on `page` (DevTools protocol `WebAuthn.enable` and
 * `WebAuthn.addVirtualAuthenticator`): a platform authenticator with resident keys and user
 * verification that always verifies, answering without a human; `synced` makes its passkeys
 * backup eligible and backed up.
 */
export async function addVirtualAuthenticator(
  context: BrowserContext,
  page: Page,
  o: { readonly synced?: boolean } = {},
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      // A synced passkey (a password manager's): authenticator data flags BE and BS set.
      ...(o.synced === true ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
    },
  });
  const credentials = async () =>
    (await cdp.send('WebAuthn.getCredentials', { authenticatorId }))
      .credentials as VirtualCredential[];
  return {
    cdp,
    id: authenticatorId,
    credentials,
    async setSignCount(credentialId, signCount) {
      const c = (await credentials()).find((x) => x.credentialId === credentialId);
      if (c === undefined) throw new Error('no such credential');
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...c, signCount },
      });
    },
  };
}

/** What a hand-made assertion claims (each field can be made wrong on purpose). */
export interface CraftedAssertion {
  readonly credential: VirtualCredential;
  readonly challenge: string;
  readonly origin: string;
  readonly rpId: string;
  readonly signCount: number;
  /** Authenticator data flags (default UP | UV). */
  readonly flags?: number;
  readonly type?: string;
  /** Replaces the user handle (base64url); `null` leaves it out. */
  readonly userHandle?: string | null;
  /** Extra members of the client data (to make it large, say). */
  readonly clientDataExtra?: Record<string, unknown>;
}

const b64url = (b: Buffer | string) =>
  (typeof b === 'string' ? Buffer.from(b, 'base64') : b).toString('base64url');

/**
 * An assertion (WebAuthn L3 §5.1.9 JSON) signed by hand with a virtual authenticator's own key,
 * for refusals a browser would not produce: another origin or RP ID, an old counter…
 */
export function craftAssertion(a: CraftedAssertion): string {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(a.signCount);
  const authData = Buffer.concat([
    createHash('sha256').update(a.rpId).digest(),
    Buffer.from([a.flags ?? 0x05]),
    counter,
  ]);
  const clientData = Buffer.from(
    JSON.stringify({
      type: a.type ?? 'webauthn.get',
      challenge: a.challenge,
      origin: a.origin,
      crossOrigin: false,
      ...a.clientDataExtra,
    }),
  );
  const key = createPrivateKey({
    key: Buffer.from(a.credential.privateKey, 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  // Ed25519 signs the message itself (RFC 8032); ECDSA and RSA over its SHA-256.
  const signature = sign(
    key.asymmetricKeyType === 'ed25519' ? null : 'sha256',
    Buffer.concat([authData, createHash('sha256').update(clientData).digest()]),
    key,
  );
  const id = b64url(a.credential.credentialId);
  const userHandle =
    a.userHandle === undefined
      ? a.credential.userHandle === undefined
        ? undefined
        : b64url(a.credential.userHandle)
      : a.userHandle;
  return JSON.stringify({
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(clientData),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      ...(userHandle !== null && userHandle !== undefined ? { userHandle } : {}),
    },
  });
}
