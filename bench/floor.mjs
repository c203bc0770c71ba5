// The floor: the least work a JWT library can do on node:crypto — base64url, JSON, and the one
// crypto call, with no checks at all (no allowlist, no claims, no strictness). Not a library:
// a yardstick for how much of Tessera's time is its own.
import { Buffer } from 'node:buffer';
import { constants, createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { AUDIENCE, ISSUER, LIFETIME } from './fixtures.mjs';

const PSS = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
};

function crypto(alg, privateKey, publicKey) {
  switch (alg) {
    case 'HS256':
      return {
        sign: (input) => createHmac('sha256', privateKey).update(input).digest(),
        verify: (input, sig) => {
          const mac = createHmac('sha256', publicKey).update(input).digest();
          return mac.length === sig.length && timingSafeEqual(mac, sig);
        },
      };
    case 'RS256':
      return {
        sign: (input) => sign('sha256', Buffer.from(input, 'latin1'), privateKey),
        verify: (input, sig) => verify('sha256', Buffer.from(input, 'latin1'), publicKey, sig),
      };
    case 'PS256': {
      const priv = { key: privateKey, ...PSS };
      const pub = { key: publicKey, ...PSS };
      return {
        sign: (input) => sign('sha256', Buffer.from(input, 'latin1'), priv),
        verify: (input, sig) => verify('sha256', Buffer.from(input, 'latin1'), pub, sig),
      };
    }
    case 'ES256': {
      const priv = { key: privateKey, dsaEncoding: 'ieee-p1363' };
      const pub = { key: publicKey, dsaEncoding: 'ieee-p1363' };
      return {
        sign: (input) => sign('sha256', Buffer.from(input, 'latin1'), priv),
        verify: (input, sig) => verify('sha256', Buffer.from(input, 'latin1'), pub, sig),
      };
    }
    case 'EdDSA':
      return {
        sign: (input) => sign(null, Buffer.from(input, 'latin1'), privateKey),
        verify: (input, sig) => verify(null, Buffer.from(input, 'latin1'), publicKey, sig),
      };
    default:
      throw new Error(`no floor for ${alg}`);
  }
}

/** Floor signer and verifier for one algorithm (same claims and header as the libraries). */
export function makeFloor(alg, key) {
  const c = crypto(alg, key.privateKey, key.publicKey);
  const headerB64 = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const fixed = `,"iss":${JSON.stringify(ISSUER)},"aud":${JSON.stringify(AUDIENCE)},"iat":`;
  return {
    sign(claims) {
      const iat = Math.floor(Date.now() / 1000);
      // The claims object is never empty here, so its JSON ends in "}" after at least one member.
      const body = `${JSON.stringify(claims).slice(0, -1)}${fixed}${iat},"exp":${iat + LIFETIME}}`;
      const input = `${headerB64}.${Buffer.from(body).toString('base64url')}`;
      return `${input}.${c.sign(input).toString('base64url')}`;
    },
    verify(token) {
      const a = token.indexOf('.');
      const b = token.lastIndexOf('.');
      const header = JSON.parse(Buffer.from(token.slice(0, a), 'base64url').toString());
      if (!c.verify(token.slice(0, b), Buffer.from(token.slice(b + 1), 'base64url'))) {
        throw new Error('floor: bad signature');
      }
      return {
        header,
        payload: JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString()),
      };
    },
  };
}
