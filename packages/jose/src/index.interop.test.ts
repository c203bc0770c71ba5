/**
 * Interoperability with the `jose` npm package (panva, v6): tokens, JWKs and thumbprints travel
 * both ways for every algorithm both support. ES256K is checked too and skipped, with a visible
 * message, when jose cannot use it on this runtime (jose v6 is WebCrypto-based).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import * as jose from 'jose';
import {
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
  exportJwk,
  importJwk,
  signJwt,
  verifyJwt,
  type Jwk,
  type JwsAlg,
} from './index.js';
import { NOW, NOW_S, pair, PAIR_FOR, SECRET } from './test-support/tokens.js';
import { ENTRIES } from './test-support/entries.js';

const ALGS: JwsAlg[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'ES256K',
];
const claims = {
  sub: 'user-1',
  iss: 'https://issuer.example',
  aud: ['api', 'other'],
  scope: 'read write',
  n: 1.5,
  nested: { a: [1, 'x', null] },
  uni: 'åß∂ 🚀',
};

function keysFor(alg: JwsAlg) {
  if (alg.startsWith('HS')) return { privateKey: SECRET, publicKey: SECRET };
  return pair(PAIR_FOR[alg]!);
}

async function joseSupports(alg: JwsAlg): Promise<boolean> {
  try {
    await new jose.CompactSign(new Uint8Array(1))
      .setProtectedHeader({ alg })
      .sign(keysFor(alg).privateKey);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_JOSE_NOT_SUPPORTED') return false;
    throw e;
  }
}

for (const alg of ALGS) {
  test(`interop ${alg}: jose-signed JWT verifies with Tessera, Tessera-signed JWT verifies with jose`, async (t) => {
    if (!(await joseSupports(alg))) {
      t.skip(`jose ${alg} is not supported by jose on this runtime`);
      return;
    }
    const { privateKey, publicKey } = keysFor(alg);
    const joseToken = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 600)
      .setJti('id-1')
      .sign(privateKey);
    const mine = verifyJwt(joseToken, publicKey, {
      algorithms: [alg],
      currentDate: NOW,
      issuer: 'https://issuer.example',
      audience: 'api',
      typ: 'at+jwt',
      requiredClaims: ['jti'],
    });
    assert.deepEqual(mine.payload, { ...claims, iat: NOW_S, exp: NOW_S + 600, jti: 'id-1' });
    assert.deepEqual(mine.protectedHeader, { alg, kid: 'k1', typ: 'at+jwt' });

    const tesseraToken = signJwt(claims, privateKey, {
      alg,
      kid: 'k2',
      typ: 'at+jwt',
      currentDate: NOW,
      expiresIn: '10m',
      jwtId: 'id-2',
    });
    const theirs = await jose.jwtVerify(tesseraToken, publicKey, {
      algorithms: [alg],
      currentDate: NOW,
      issuer: 'https://issuer.example',
      audience: 'api',
      typ: 'at+jwt',
    });
    assert.deepEqual(theirs.payload, { ...claims, iat: NOW_S, exp: NOW_S + 600, jti: 'id-2' });
    assert.deepEqual(theirs.protectedHeader, { alg, typ: 'at+jwt', kid: 'k2' });
    // A tampered Tessera token is refused by jose too.
    const [h, , s] = tesseraToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
    await assert.rejects(
      jose.jwtVerify(forged, publicKey, { algorithms: [alg], currentDate: NOW }),
    );
  });
}

for (const alg of ALGS) {
  test(`interop ${alg}: JWKs export/import both ways, and thumbprints agree`, async (t) => {
    if (!(await joseSupports(alg))) {
      t.skip(`jose ${alg} is not supported by jose on this runtime`);
      return;
    }
    const { privateKey, publicKey } = keysFor(alg);
    const isSecret = alg.startsWith('HS');
    // Tessera → jose
    const myPub = exportJwk(publicKey as never);
    const myPriv = exportJwk(privateKey as never);
    const theirPub = await jose.importJWK(myPub as jose.JWK, alg);
    const theirPriv = await jose.importJWK(myPriv as jose.JWK, alg);
    const t1 = await new jose.SignJWT({ sub: 'a' }).setProtectedHeader({ alg }).sign(theirPriv);
    assert.equal(verifyJwt(t1, publicKey, { algorithms: [alg] }).payload.sub, 'a');
    assert.equal(
      (
        await jose.jwtVerify(signJwt({ sub: 'b' }, privateKey, { alg }), theirPub, {
          algorithms: [alg],
        })
      ).payload.sub,
      'b',
    );
    // jose → Tessera
    const exportedPub = (await jose.exportJWK(publicKey as never)) as Jwk;
    const exportedPriv = (await jose.exportJWK(privateKey as never)) as Jwk;
    const k1 = importJwk(exportedPub, alg);
    const k2 = importJwk(exportedPriv, alg);
    const t2 = signJwt({ sub: 'c' }, k2, { alg });
    assert.equal(verifyJwt(t2, k1, { algorithms: [alg] }).payload.sub, 'c');
    assert.equal((await jose.jwtVerify(t2, publicKey, { algorithms: [alg] })).payload.sub, 'c');
    for (const m of ['kty', 'crv', 'x', 'y', 'n', 'e', 'k'] as const)
      assert.equal(exportedPub[m], myPub[m], m);
    if (!isSecret)
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const)
        assert.equal(exportedPriv[m], myPriv[m], m);
    // Thumbprints (RFC 7638) and thumbprint URIs (RFC 9278), for each hash.
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      assert.equal(
        calculateJwkThumbprint(myPub, hash),
        await jose.calculateJwkThumbprint(myPub as jose.JWK, hash),
      );
      assert.equal(
        calculateJwkThumbprintUri(myPub, hash),
        await jose.calculateJwkThumbprintUri(myPub as jose.JWK, hash),
      );
    }
    if (!isSecret)
      assert.equal(
        calculateJwkThumbprint(privateKey as never),
        await jose.calculateJwkThumbprint(myPub as jose.JWK),
      );
  });
}

for (const E of ENTRIES)
  test(`${E.name} interop: JWS compact, flattened, general and b64:false travel both ways`, async () => {
    const p = pair('p256');
    const [privateKey, publicKey] = [exportJwk(p.privateKey), exportJwk(p.publicKey) as Jwk];
    const payload = new TextEncoder().encode('interop payload ✓');
    // jose → Tessera
    const c = await new jose.CompactSign(payload)
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    assert.deepEqual(
      new Uint8Array((await E.verifyCompact(c, publicKey, { algorithms: ['ES256'] })).payload),
      payload,
    );
    const f = await new jose.FlattenedSign(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setUnprotectedHeader({ kid: 'k' })
      .sign(SECRET);
    assert.deepEqual(
      new Uint8Array(
        (await E.verifyFlattened(f as never, SECRET, { algorithms: ['HS256'] })).payload,
      ),
      payload,
    );
    const gs = new jose.GeneralSign(payload);
    gs.addSignature(SECRET).setProtectedHeader({ alg: 'HS512' });
    gs.addSignature(privateKey).setProtectedHeader({ alg: 'ES256' });
    const g = await gs.sign();
    assert.deepEqual(
      new Uint8Array(
        (await E.verifyGeneral(g as never, publicKey, { algorithms: ['ES256'] })).payload,
      ),
      payload,
    );
    const u = await new jose.FlattenedSign(payload)
      .setProtectedHeader({ alg: 'HS256', b64: false, crit: ['b64'] })
      .sign(SECRET);
    // jose leaves an unencoded payload out of its output (payload ""): it is supplied as detached content.
    assert.equal(u.payload, '');
    assert.deepEqual(
      new Uint8Array(
        (
          await E.verifyFlattened(u as never, SECRET, {
            algorithms: ['HS256'],
            detachedPayload: payload,
          })
        ).payload,
      ),
      payload,
    );
    // Tessera → jose
    const mc = await E.signCompact(payload, privateKey, { alg: 'ES256' });
    assert.deepEqual((await jose.compactVerify(mc, publicKey)).payload, payload);
    const mf = await E.signFlattened(payload, SECRET, {
      alg: 'HS256',
      unprotectedHeader: { kid: 'k' },
    });
    assert.deepEqual(
      (await jose.flattenedVerify(mf as jose.FlattenedJWS, SECRET)).payload,
      payload,
    );
    const mg = await E.signGeneral(payload, [
      { key: SECRET, alg: 'HS384' },
      { key: privateKey, alg: 'ES256' },
    ]);
    assert.deepEqual((await jose.generalVerify(mg as jose.GeneralJWS, publicKey)).payload, payload);
    const mu = await E.signFlattened(payload, SECRET, { alg: 'HS256', b64: false });
    assert.deepEqual(
      (await jose.flattenedVerify(mu as jose.FlattenedJWS, SECRET)).payload,
      payload,
    );
    const md = await E.signCompact('detached', SECRET, { alg: 'HS256', detached: true });
    const [mdh, mdp, mds] = md.split('.');
    assert.equal(mdp, '');
    const attached = {
      protected: mdh!,
      payload: Buffer.from('detached').toString('base64url'),
      signature: mds!,
    };
    assert.equal(
      new TextDecoder().decode((await jose.flattenedVerify(attached, SECRET)).payload),
      'detached',
    );
  });
