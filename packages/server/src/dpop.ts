import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  createDpopNonces,
  createDpopVerifier,
  isJoseError,
  type DpopNonces,
  type DpopVerifier,
} from '@tessera/jose';
import type { ServerConfig } from './config.js';
import type { IssuerContext } from './context.js';
import type { Kek } from './keys/kek.js';
import { OAuthError } from './oauth-error.js';
import type { ClientRow, Store } from './stores/store.js';

/** DPoP at the token endpoint (RFC 9449 §5), prepared once per app. */
export interface IssuerDpop {
  readonly verifyProof: DpopVerifier;
  /** Present when `dpop.nonce` is on (RFC 9449 §8). */
  readonly nonces: DpopNonces | undefined;
}

/**
 * A secret every issuer node shares: created once in the store (sealed with a KEK subkey, so a
 * copy of the database alone does not reveal it), read by every node at start.
 */
export async function loadSharedSecret(
  store: Store,
  kek: Kek,
  name: string,
  now: number,
): Promise<Buffer> {
  const sealer = kek.derive('server-secrets');
  const context = `server-secret:${name}`;
  const sealed = await store.getOrCreateSecret(name, sealer.seal(randomBytes(32), context), now);
  return sealer.open(sealed, context);
}

/** Prepare the proof verifier and, when configured, the stateless nonces (secret from the store). */
export async function createIssuerDpop(
  config: ServerConfig,
  store: Store,
  kek: Kek,
): Promise<IssuerDpop> {
  const d = config.dpop;
  const verifyProof = createDpopVerifier({
    algorithms: d.algorithms,
    maxAge: d.proofMaxAge,
    clockTolerance: d.clockTolerance,
  });
  const nonces = d.nonce
    ? createDpopNonces({
        secret: await loadSharedSecret(store, kek, 'dpop-nonce', Math.floor(config.now() / 1000)),
        period: d.noncePeriod,
        purpose: 'token-endpoint',
      })
    : undefined;
  return { verifyProof, nonces };
}

const invalidProof = (description: string) =>
  new OAuthError(400, 'invalid_dpop_proof', description);

/**
 * The `DPoP` header of a token request (RFC 9449 §4.3, §5, §8): verified against `POST
 * <issuer>/token`, with the server nonce when nonces are on, and its `jti` recorded in the store
 * (shared by every node) so a replay is refused anywhere. Returns the proof key's thumbprint to
 * bind the tokens to, or undefined when no proof came and the client does not require one.
 */
export async function tokenRequestDpop(
  ctx: IssuerContext,
  request: FastifyRequest,
  client: ClientRow,
): Promise<string | undefined> {
  // §4.3 step 1: exactly one DPoP header.
  const given = request.headers['dpop'];
  const headers =
    request.raw.headersDistinct?.['dpop'] ??
    (given === undefined ? undefined : Array.isArray(given) ? given : [given]);
  if (headers === undefined || headers.length === 0) {
    if (client.require_dpop === 1) throw invalidProof('this client must send a DPoP proof');
    return undefined;
  }
  // A JWS never holds a comma: one means several headers joined into one (RFC 9110 §5.3).
  if (headers.length > 1 || headers[0]!.includes(','))
    throw invalidProof('more than one DPoP header');
  const { dpop } = ctx;
  let result;
  try {
    result = dpop.verifyProof(headers[0]!, {
      htm: 'POST',
      htu: `${ctx.config.issuer}/token`,
      currentDate: new Date(ctx.config.now()),
      ...(dpop.nonces !== undefined
        ? { nonce: (n: string) => dpop.nonces!.check(n, new Date(ctx.config.now())) }
        : {}),
    });
  } catch (e) {
    if (isJoseError(e, 'ERR_DPOP_NONCE_INVALID') && dpop.nonces !== undefined) {
      throw new OAuthError(
        400,
        'use_dpop_nonce',
        'a DPoP proof with the server nonce is required',
        {
          'dpop-nonce': dpop.nonces.current(new Date(ctx.config.now())),
        },
      );
    }
    if (isJoseError(e)) throw invalidProof(`the DPoP proof is invalid: ${e.message}`);
    throw e;
  }
  // §11.1: a proof is accepted once. It is refused anyway after iat + maxAge + tolerance, so
  // the entry lives exactly that long.
  const d = ctx.config.dpop;
  const key = createHash('sha256').update(`${result.jkt}.${result.jti}`).digest('base64url');
  const expiresAt = Math.ceil(result.iat + d.proofMaxAge + d.clockTolerance) + 1;
  if (!(await ctx.store.recordDpopProof(key, expiresAt, ctx.nowSeconds()))) {
    throw invalidProof('the DPoP proof was already used');
  }
  return result.jkt;
}

/**
 * The check a bound grant makes (a DPoP-bound refresh token, RFC 9449 §5; an authorization code
 * bound with `dpop_jkt`, §10): the request's proof must be made with the bound key.
 */
export function requireBoundKey(
  bound: string | null | undefined,
  presented: string | undefined,
  what: string,
): void {
  if (bound === null || bound === undefined) return;
  if (presented === undefined)
    throw new OAuthError(400, 'invalid_grant', `${what} is DPoP-bound: a DPoP proof is required`);
  if (presented !== bound)
    throw new OAuthError(400, 'invalid_grant', `${what} is bound to another DPoP key`);
}

/** RFC 9449 §10: a `dpop_jkt` parameter (of /authorize or /par) is a SHA-256 JWK thumbprint. */
export function parseDpopJkt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{43}$/.test(value))
    throw new OAuthError(400, 'invalid_request', 'dpop_jkt must be a SHA-256 JWK thumbprint');
  return value;
}
