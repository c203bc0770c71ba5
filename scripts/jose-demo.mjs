// `npm start`: a short demo of the JOSE core until the issuer exists — generate a key pair,
// sign a token, verify it, print the three colour-coded parts and the claims.
import { generateKeyPair, signJwt, verifyJwt, calculateJwkThumbprint } from '@tessera/jose';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const { privateKey, publicKey } = generateKeyPair('EdDSA');
const kid = calculateJwkThumbprint(publicKey);
const token = signJwt({ role: 'reader' }, privateKey, {
  alg: 'EdDSA',
  kid,
  issuer: 'https://auth.example',
  audience: 'api',
  subject: 'alice',
  expiresIn: '15m',
});
const [h, p, s] = token.split('.');
console.log('A signed JWT (header.payload.signature):\n');
console.log(`${paint('31', h)}.${paint('35', p)}.${paint('36', s)}\n`);
const { payload, protectedHeader } = verifyJwt(token, publicKey, {
  algorithms: ['EdDSA'],
  issuer: 'https://auth.example',
  audience: 'api',
});
console.log(
  `${paint('32', '✓')} signature verified (EdDSA, kid=${kid.slice(0, 8)}…) with the public key alone`,
);
console.log('\nheader:', protectedHeader);
console.log('claims:');
for (const [k, v] of Object.entries(payload)) {
  const when = ['exp', 'iat', 'nbf'].includes(k) ? `  (${new Date(v * 1000).toISOString()})` : '';
  console.log(`  ${k.padEnd(5)} ${JSON.stringify(v)}${when}`);
}
