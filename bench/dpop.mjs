// DPoP proof verification (RFC 9449 §4.3) against the node:crypto floor for one verify, in one
// process, interleaved (measure.mjs): ES256 and EdDSA proofs, 64 distinct proofs in rotation.
//
//   node bench/dpop.mjs [--runs 5] [--quick] [--json]
//
// - tessera: createDpopVerifier(...)(proof, { htm, htu, accessToken }) — everything the guard asks
//   of a proof: strict parsing, header rules, the header key (imported once per key, then cached),
//   the signature, typ/jti/htm/htu/iat/ath.
// - floor: the node:crypto verify of the same signature with the key already imported, nothing
//   else (no parsing, no claims): the least any DPoP implementation must spend.
// The goal is tessera ≥ 0.9× the floor (median of the per-run ratios).
import { Buffer } from 'node:buffer';
import { verify } from 'node:crypto';
import os from 'node:os';
import {
  createDpopProof,
  createDpopVerifier,
  generateKeyPair,
  importJwk,
  decodeProtectedHeader,
} from '@tessera/jose';
import { measureCase, median } from './measure.mjs';

const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const quick = args.includes('--quick');
const json = args.includes('--json');
const runs = Number(value('--runs') ?? (quick ? 1 : 5));
const timing = quick
  ? { warmupMs: 40, sliceMs: 25, slices: 2 }
  : { warmupMs: 150, sliceMs: 60, slices: 8 };
const N = 64;
const HTU = 'https://api.bench.example/orders';
const now = new Date();
const TOKEN = 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c2VyLTEifQ.sig';

const rows = [];
for (const alg of ['ES256', 'EdDSA']) {
  const key = generateKeyPair(alg);
  // One client key, many requests: the distinct proofs differ in jti (and so in signature).
  const proofs = Array.from({ length: N }, () =>
    createDpopProof({
      key: key.privateKey,
      htm: 'GET',
      htu: HTU,
      accessToken: TOKEN,
      currentDate: now,
    }),
  );
  const verifyProof = createDpopVerifier({ algorithms: [alg] });
  const request = { htm: 'GET', htu: `${HTU}?page=2`, accessToken: TOKEN, currentDate: now };
  const pub = importJwk(decodeProtectedHeader(proofs[0]).jwk, alg);
  const opts = alg === 'ES256' ? { key: pub, dsaEncoding: 'ieee-p1363' } : pub;
  const hash = alg === 'ES256' ? 'sha256' : null;
  const split = proofs.map((p) => {
    const b = p.lastIndexOf('.');
    return [Buffer.from(p.slice(0, b), 'latin1'), Buffer.from(p.slice(b + 1), 'base64url')];
  });
  // The floor still decodes the signature from the proof, as any verifier must.
  const floor = (i) => {
    const p = proofs[i & (N - 1)];
    const b = p.lastIndexOf('.');
    if (
      !verify(
        hash,
        Buffer.from(p.slice(0, b), 'latin1'),
        opts,
        Buffer.from(p.slice(b + 1), 'base64url'),
      )
    )
      throw new Error('floor: bad signature');
    return true;
  };
  if (!split.every(([d, s]) => verify(hash, d, opts, s))) throw new Error('setup');
  const tessera = (i) => verifyProof(proofs[i & (N - 1)], request);
  tessera(0);
  const ratios = [];
  let last;
  for (let r = 0; r < runs; r++) {
    last = await measureCase(
      [
        { name: 'tessera', fn: tessera },
        { name: 'floor', fn: floor },
      ],
      timing,
    );
    ratios.push(last.tessera / last.floor);
    process.stderr.write(
      `run ${r + 1} ${alg}: tessera ${Math.round(last.tessera)}/s, floor ${Math.round(last.floor)}/s\n`,
    );
  }
  rows.push({ alg, tessera: last.tessera, floor: last.floor, ratio: median(ratios), goal: 0.9 });
}
const meta = {
  date: new Date().toISOString(),
  cpu: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`,
  loadAverage: Number(os.loadavg()[0].toFixed(1)),
  node: process.version,
  runs,
};
if (json) console.log(JSON.stringify({ bench: 'dpop', ...meta, rows }, null, 2));
else {
  console.log(
    `\nDPoP proof verification — ${meta.date.slice(0, 16)}Z, ${meta.cpu}, load average ${meta.loadAverage}, Node ${meta.node}, ${runs} runs\n`,
  );
  console.log(
    '| alg | tessera verifyProof/s (last run) | node:crypto verify/s (last run) | ratio (median of runs) | goal | met |',
  );
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of rows)
    console.log(
      `| ${r.alg} | ${Math.round(r.tessera)} | ${Math.round(r.floor)} | ${r.ratio.toFixed(2)} | >= ${r.goal} | ${r.ratio >= r.goal ? 'yes' : 'no'} |`,
    );
}
