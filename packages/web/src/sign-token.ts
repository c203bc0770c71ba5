import {
  JWS_ALGORITHMS,
  calculateJwkThumbprint,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
  signCompact,
  type JwsAlg,
  type KeyInput,
} from '@tessera/jose';
import { WebError } from './errors.js';
import { Buffer } from 'node:buffer';
import {
  decodeSecret,
  readSigningKey,
  type KeyMaterial,
  type SecretEncoding,
} from './key-material.js';

export interface SignRequest {
  /** The protected header as JSON text or an object; `alg` is required and is never `none`. */
  readonly header: string | Record<string, unknown>;
  /** The claims as JSON text or an object. */
  readonly payload: string | Record<string, unknown>;
  readonly key: KeyMaterial;
}

export interface SignReport {
  readonly token: string;
  readonly warnings: readonly { code: string; message: string }[];
}

const isJwsAlg = (a: unknown): a is JwsAlg =>
  typeof a === 'string' && Object.prototype.hasOwnProperty.call(JWS_ALGORITHMS, a);

function jsonObject(v: string | Record<string, unknown>, what: string): Record<string, unknown> {
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      throw new WebError('ERR_JSON_INVALID', 400, `the ${what} is not valid JSON`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebError('ERR_JSON_INVALID', 400, `the ${what} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Sign the Sign pane's header and payload. Weak HMAC secrets are warned about but still sign
 * (jwt.io #869; docs/security.md#weak-secret); past `exp` and a missing `exp` are warned about too. `alg: none` is
 * refused: an unsecured token is not signed.
 *
 * @example
 * signToken({ header: '{"alg":"HS256","typ":"JWT"}', payload: '{"sub":"u1"}', key: { kind: 'secret', value: s } }).token
 */
export function signToken(req: SignRequest, nowMs = Date.now()): SignReport {
  const header = jsonObject(req.header, 'header');
  const payload = jsonObject(req.payload, 'payload');
  const alg = header['alg'];
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
    throw new WebError(
      'ERR_ALG_NOT_ALLOWED',
      400,
      'alg "none" is not signed; the debugger does not produce unsecured tokens',
    );
  }
  if (!isJwsAlg(alg))
    throw new WebError(
      'ERR_ALG_UNSUPPORTED',
      400,
      'the header "alg" is not a supported JWS algorithm',
    );
  if (header['b64'] !== undefined || header['crit'] !== undefined) {
    throw new WebError(
      'ERR_HEADER_INVALID',
      400,
      'the debugger signs JWTs: "b64" and "crit" are not supported here',
    );
  }
  const spec = JWS_ALGORITHMS[alg];
  const warnings: { code: string; message: string }[] = [];
  const material = req.key;
  let key: KeyInput;
  if (material === undefined || typeof material.value !== 'string' || material.value.length === 0) {
    throw new WebError('ERR_KEY_INVALID', 400, 'a key is required to sign');
  }
  if (material.kind === 'secret') {
    if (spec.family !== 'hmac')
      throw new WebError('ERR_KEY_INVALID', 400, `${alg} signs with a private key, not a secret`);
    const encoding: SecretEncoding = material.encoding ?? 'utf8';
    const bytes = decodeSecret(material.value, encoding);
    if (bytes === undefined)
      throw new WebError('ERR_KEY_INVALID', 400, `the secret is not valid ${encoding}`);
    if (bytes.length < spec.minSecretBytes) {
      warnings.push({
        code: 'WEAK_SECRET',
        message: `the secret has ${bytes.length} bytes; ${alg} requires at least ${spec.minSecretBytes} (RFC 7518 §3.2). Signed anyway.`,
      });
    }
    key = bytes;
  } else {
    if (spec.family === 'hmac')
      throw new WebError('ERR_KEY_INVALID', 400, `${alg} signs with a secret, not a private key`);
    key = readSigningKey(material.value, alg).key;
  }
  const now = nowMs / 1000;
  const exp = payload['exp'];
  if (exp === undefined)
    warnings.push({ code: 'NO_EXP', message: 'no "exp" claim: the token never expires' });
  else if (typeof exp === 'number' && exp <= now)
    warnings.push({
      code: 'EXP_PAST',
      message: '"exp" is in the past: the token is already expired',
    });
  const { alg: _alg, kid, ...rest } = header;
  const token = signCompact(JSON.stringify(payload), key, {
    alg,
    ...(typeof kid === 'string' && kid !== '' ? { kid } : {}),
    header: rest,
    allowWeakSecret: true,
  });
  return { token, warnings };
}

export interface GeneratedKey {
  readonly alg: JwsAlg;
  /** HMAC: the secret as base64url (read it with the base64url encoding). */
  readonly secret?: string;
  readonly secretEncoding?: SecretEncoding;
  readonly privatePem?: string;
  readonly publicPem?: string;
  readonly publicJwk?: Record<string, unknown>;
}

/**
 * Generate a key for the Sign pane: a full-length secret for HS*, otherwise a key pair as PEM
 * plus the public JWK (with `kid` = RFC 7638 thumbprint).
 *
 * @example
 * generateKeyFor('ES256').privatePem
 */
export function generateKeyFor(alg: string): GeneratedKey {
  if (!isJwsAlg(alg)) throw new WebError('ERR_ALG_UNSUPPORTED', 400, 'unsupported algorithm');
  if (JWS_ALGORITHMS[alg].family === 'hmac') {
    const raw = generateSecret(alg).export();
    return { alg, secret: Buffer.from(raw).toString('base64url'), secretEncoding: 'base64url' };
  }
  const { privateKey, publicKey } = generateKeyPair(alg);
  const jwk = exportJwk(publicKey);
  return {
    alg,
    privatePem: exportPem(privateKey),
    publicPem: exportPem(publicKey),
    publicJwk: { ...jwk, kid: calculateJwkThumbprint(jwk), alg, use: 'sig' },
  };
}
