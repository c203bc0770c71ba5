import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
  JWS_ALGORITHM_NAMES,
  JWS_ALGORITHMS,
  type Jwk,
  type JwsAlg,
} from '@tessera/jose';
import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { stringifyResult } from '../json-result.js';
import { writeOutputFile } from '../output-file.js';
import { EXIT, usageError } from '../exit-codes.js';

export const help = `Usage: tessera keygen [options]

Generate a signing key. Default: OKP Ed25519 (alg EdDSA).

  --kty <kty>            EC | RSA | OKP | oct
  --crv <crv>            EC: P-256 (default) | P-384 | P-521 | secp256k1;  OKP: Ed25519 (default) | Ed448
  --size <bits>          RSA: 2048 (default) or more;  oct: 256 (default) | 384 | 512
  --alg <alg>            pick the key type from the algorithm (e.g. ES384, PS256, HS512)
  --use <use>            JWK "use" (default sig)
  --kid <kid>            default: the RFC 7638 thumbprint
  --format <f>           jwk (default) | pem   (oct keys are always JWK)
  --out-private <file>   write the private key here (mode 0600); otherwise stdout
  --out-public <file>    write the public key (or with --jwks the public JWKS) here
  --jwks                 the public part as a JWKS {"keys": [...]}
  --force                overwrite existing files
  --json                 { privateJwk?, publicJwk?, kid, alg, files } on stdout
`;

export const OPTIONS = {
  kty: { type: 'string' },
  crv: { type: 'string' },
  size: { type: 'string' },
  alg: { type: 'string' },
  use: { type: 'string' },
  kid: { type: 'string' },
  format: { type: 'string' },
  'out-private': { type: 'string' },
  'out-public': { type: 'string' },
  jwks: { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EC_ALG: Readonly<Record<string, JwsAlg>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  secp256k1: 'ES256K',
};

/** Resolve --kty/--crv/--size/--alg into one algorithm plus generation options. */
export function resolveKeySpec(v: {
  kty?: string | undefined;
  crv?: string | undefined;
  size?: string | undefined;
  alg?: string | undefined;
}): {
  alg: JwsAlg;
  crv?: string;
  modulusLength?: number;
} {
  const size = v.size === undefined ? undefined : /^\d+$/.test(v.size) ? Number(v.size) : NaN;
  if (Number.isNaN(size)) throw usageError('--size must be a number of bits');
  if (v.alg !== undefined) {
    if (!(JWS_ALGORITHM_NAMES as readonly string[]).includes(v.alg))
      throw usageError('--alg: unknown algorithm');
    const row = JWS_ALGORITHMS[v.alg as JwsAlg];
    if (v.kty !== undefined && v.kty !== row.kty) throw usageError('--kty and --alg conflict');
    if (row.family === 'hmac') return { alg: row.alg };
    if (row.family === 'rsa' || row.family === 'rsa-pss')
      return { alg: row.alg, modulusLength: checkRsa(size) };
    if (row.family === 'ecdsa') {
      if (v.crv !== undefined && v.crv !== row.curves[0])
        throw usageError('--crv and --alg conflict');
      return { alg: row.alg };
    }
    const crv = v.crv ?? 'Ed25519';
    if (!row.curves.includes(crv))
      throw usageError(`--crv: ${row.alg} uses ${row.curves.join(' or ')}`);
    return { alg: row.alg, crv };
  }
  switch (v.kty ?? 'OKP') {
    case 'OKP': {
      const crv = v.crv ?? 'Ed25519';
      if (crv !== 'Ed25519' && crv !== 'Ed448')
        throw usageError('--crv for OKP signing keys: Ed25519 or Ed448');
      return { alg: 'EdDSA', crv };
    }
    case 'EC': {
      const alg = EC_ALG[v.crv ?? 'P-256'];
      if (alg === undefined) throw usageError('--crv for EC: P-256, P-384, P-521 or secp256k1');
      return { alg };
    }
    case 'RSA':
      return { alg: 'RS256', modulusLength: checkRsa(size) };
    case 'oct': {
      const alg = ({ 256: 'HS256', 384: 'HS384', 512: 'HS512' } as Record<number, JwsAlg>)[
        size ?? 256
      ];
      if (alg === undefined) throw usageError('--size for oct: 256, 384 or 512');
      return { alg };
    }
    default:
      throw usageError('--kty must be EC, RSA, OKP or oct');
  }
}

function checkRsa(size: number | undefined): number {
  const bits = size ?? 2048;
  if (bits < 2048 || bits > 16384 || bits % 8 !== 0)
    throw usageError('--size for RSA: a multiple of 8 from 2048 to 16384');
  return bits;
}

/** `tessera keygen`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('keygen', args, io, async () => {
    const { values: v } = parse(args, OPTIONS, false);
    if (v.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const format = v.format ?? 'jwk';
    if (format !== 'jwk' && format !== 'pem') throw usageError('--format must be jwk or pem');
    const spec = resolveKeySpec(v);
    const row = JWS_ALGORITHMS[spec.alg];
    let privateKey: KeyObject;
    let publicKey: KeyObject | undefined;
    if (row.family === 'hmac') {
      if (format === 'pem') throw usageError('oct (HMAC) keys have no PEM form; use --format jwk');
      privateKey = generateSecret(spec.alg);
    } else {
      const pair = generateKeyPair(spec.alg, { crv: spec.crv, modulusLength: spec.modulusLength });
      privateKey = pair.privateKey;
      publicKey = pair.publicKey;
    }
    const kid = v.kid ?? calculateJwkThumbprint(publicKey ?? privateKey);
    const meta = { kid, alg: spec.alg, use: v.use ?? 'sig' };
    const privateJwk: Jwk = { ...exportJwk(privateKey), ...meta };
    const publicJwk: Jwk | undefined =
      publicKey === undefined ? undefined : { ...exportJwk(publicKey), ...meta };
    const privateText =
      format === 'pem' ? exportPem(privateKey) : `${JSON.stringify(privateJwk, null, 2)}\n`;
    let publicText: string | undefined;
    if (publicKey !== undefined && publicJwk !== undefined) {
      if (v.jwks === true) publicText = `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`;
      else
        publicText =
          format === 'pem' ? exportPem(publicKey) : `${JSON.stringify(publicJwk, null, 2)}\n`;
    } else if (v.jwks === true)
      throw usageError('--jwks publishes public keys; an oct (HMAC) secret has none');
    const files: Record<string, string> = {};
    const force = v.force === true;
    if (v['out-private'] !== undefined) {
      const p = resolve(io.cwd, v['out-private']);
      writeOutputFile(p, privateText, { overwrite: force });
      files['private'] = v['out-private'];
    }
    if (v['out-public'] !== undefined) {
      if (publicText === undefined)
        throw usageError('an oct (HMAC) secret has no public part for --out-public');
      writeOutputFile(resolve(io.cwd, v['out-public']), publicText, {
        mode: 0o644,
        overwrite: force,
      });
      files['public'] = v['out-public'];
    }
    if (v.json === true) {
      const r: Record<string, unknown> = {
        kid,
        alg: spec.alg,
        kty: privateJwk.kty,
        files,
        error: null,
      };
      if (files['private'] === undefined) r['privateJwk'] = privateJwk;
      if (publicJwk !== undefined) r['publicJwk'] = publicJwk;
      if (v.jwks === true && publicJwk !== undefined) r['jwks'] = { keys: [publicJwk] };
      io.stdout.write(stringifyResult(r));
      return EXIT.OK;
    }
    if (files['private'] === undefined) io.stdout.write(privateText);
    if (
      files['public'] === undefined &&
      publicText !== undefined &&
      (v.jwks === true || files['private'] !== undefined)
    ) {
      io.stdout.write(publicText);
    }
    if (v.quiet !== true)
      io.stderr.write(`generated ${privateJwk.kty} key for ${spec.alg}, kid ${kid}\n`);
    return EXIT.OK;
  });
}
