/**
 * What every renderer draws, computed once from a trace: the labelled steps, which arrow carries
 * credentials, which steps form an "authenticated with token #n" region, which arrows fail an
 * assertion. Renderers only lay this out.
 */
import type { Exchange, Participant, TokenSummary, Trace } from '../model.js';
import { PASSWORD_FIELD } from '../redact.js';

/** A piece of label text; token displays are split so renderers can colour them like jwt.io. */
export interface Segment {
  text: string;
  kind: 'plain' | 'token-header' | 'token-payload' | 'token-signature';
}

export interface DiagramStep {
  seq: number;
  from: string;
  to: string;
  request: Segment[];
  response: Segment[];
  /** The request carried credentials. */
  credential: boolean;
  /** A note to draw over the request (credential notes, failing assertions). */
  notes: string[];
  /** Assertions failing on this exchange: the arrows turn red. */
  failing: string[];
  /** Token number for the authenticated region this step sits in. */
  group?: number;
}

export interface DiagramGroup {
  token: number;
  label: string;
  /** Index range in `steps`, inclusive. */
  first: number;
  last: number;
}

export interface Diagram {
  participants: Participant[];
  steps: DiagramStep[];
  groups: DiagramGroup[];
  title: string;
}

const plain = (text: string): Segment => ({ text, kind: 'plain' });

/** `eyJhbGci…sw5c` → header-coloured prefix, payload-coloured ellipsis, signature-coloured suffix. */
export function tokenSegments(display: string): Segment[] {
  const i = display.indexOf('…');
  if (i < 0) return [plain(display)];
  return [
    { text: display.slice(0, i), kind: 'token-header' },
    { text: '…', kind: 'token-payload' },
    { text: display.slice(i + 1), kind: 'token-signature' },
  ];
}

/** Signed seconds as `+15m`, `+1h30m`, `-20s`. */
export function relativeDuration(sec: number): string {
  const sign = sec < 0 ? '-' : '+';
  let s = Math.round(Math.abs(sec));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return sign + parts.slice(0, 2).join('');
}

/** Path and redacted query of an exchange, shortened for a label. */
export function shortPath(e: Exchange, max = 56): string {
  let p: string;
  try {
    const u = new URL(e.url);
    p = u.pathname + u.search;
  } catch {
    p = e.url;
  }
  return p.length > max ? `${p.slice(0, max - 1)}…` : p;
}

function tokenNote(t: TokenSummary, at: number): string {
  const parts: string[] = [
    t.kind === 'opaque'
      ? 'opaque'
      : `${t.kind.toUpperCase()}${t.alg !== undefined ? ` ${t.alg}` : ''}`,
  ];
  if (t.exp !== undefined) parts.push(`exp ${relativeDuration(t.exp - at)}`);
  if (t.verified === 'valid') parts.push('verified');
  if (t.verified === 'invalid') parts.push(`NOT VERIFIED: ${t.verifyError ?? 'invalid'}`);
  return `(${parts.join(', ')})`;
}

function credentialText(e: Exchange): string {
  const bits: string[] = [];
  if (e.credentials.some((c) => c.kind === 'basic')) bits.push('Basic •••');
  if (e.credentials.some((c) => c.kind === 'opaque-bearer')) bits.push('Bearer key •••');
  const fields = e.requestBody?.fields ?? [];
  const grants = e.credentials
    .filter((c) => c.kind === 'grant')
    .map((c) => `grant_type=${c.name ?? ''}`);
  if (e.credentials.some((c) => c.kind === 'password-field' || c.kind === 'grant')) {
    for (const f of fields) {
      const leaf = f.slice(f.lastIndexOf('.') + 1);
      // The grant_type field is shown once, with its (non-secret) value.
      if (leaf === 'grant_type' && grants.length > 0) bits.push(...grants);
      else bits.push(PASSWORD_FIELD.test(leaf) ? `${f}=•••` : f);
    }
    for (const c of e.credentials)
      if (c.location === 'query' && c.kind === 'password-field') bits.push(`?${c.name ?? ''}=•••`);
  }
  bits.push(...grants);
  return `[credentials: ${[...new Set(bits)].join(', ')}]`;
}

/**
 * Compute the diagram of a trace.
 *
 * @example
 * const d = describeTrace(trace);
 * d.steps[0].credential // → true for the login
 */
export function describeTrace(trace: Trace): Diagram {
  const tokenBy = new Map(trace.tokens.map((t) => [t.fingerprint, t]));
  const failingBy = new Map<number, string[]>();
  for (const a of trace.assertions) {
    if (a.status !== 'fail') continue;
    for (const s of a.exchanges) failingBy.set(s, [...(failingBy.get(s) ?? []), a.name]);
  }
  const credentialSeqs = trace.exchanges.filter((e) => e.credentials.length > 0).map((e) => e.seq);
  const start = Date.parse(trace.startedAt);

  const steps: DiagramStep[] = trace.exchanges.map((e) => {
    const at = (start + e.t) / 1000;
    const request: Segment[] = [plain(`${e.seq} ${e.method} ${shortPath(e)}`)];
    const credential = e.credentials.length > 0;
    if (credential) request.push(plain(` ${credentialText(e)}`));
    for (const tp of e.tokensPresented) {
      const t = tokenBy.get(tp.fingerprint);
      const where =
        tp.location === 'authorization'
          ? 'Bearer'
          : tp.location === 'cookie'
            ? `cookie ${tp.name ?? ''}`
            : `URL ?${tp.name ?? ''} ⚠`;
      request.push(
        plain(` [${where} #${t?.n ?? '?'} `),
        ...tokenSegments(t?.display ?? tp.fingerprint),
        plain(']'),
      );
    }
    const response: Segment[] = [
      plain(e.error !== undefined ? `error: ${e.error}` : `${e.status}`),
    ];
    for (const ti of e.tokensIssued) {
      const t = tokenBy.get(ti.fingerprint);
      const label = ti.location === 'set-cookie' ? `Set-Cookie ${ti.name}` : ti.name;
      response.push(plain(` ${label} `), ...tokenSegments(t?.display ?? ti.fingerprint));
      if (t) response.push(plain(` ${tokenNote(t, at)}`));
      if (ti.cookie) {
        const flags = [
          ti.cookie.httpOnly ? 'HttpOnly' : 'no HttpOnly',
          ti.cookie.secure ? 'Secure' : 'no Secure',
          `SameSite=${ti.cookie.sameSite ?? 'unset'}`,
        ];
        response.push(plain(` {${flags.join(', ')}}`));
      }
    }
    const notes: string[] = [];
    if (credential) {
      notes.push(
        credentialSeqs.length === 1
          ? 'only request carrying credentials'
          : credentialSeqs[0] === e.seq
            ? 'request carrying credentials'
            : 'credentials sent AGAIN',
      );
    }
    const failing = failingBy.get(e.seq) ?? [];
    for (const f of failing) notes.push(`✗ ${f}`);
    const step: DiagramStep = {
      seq: e.seq,
      from: e.from,
      to: e.to,
      request,
      response,
      credential,
      notes,
      failing,
    };
    const first = e.tokensPresented[0];
    if (first && !credential) {
      const n = tokenBy.get(first.fingerprint)?.n;
      if (n !== undefined) step.group = n;
    }
    return step;
  });

  const groups: DiagramGroup[] = [];
  steps.forEach((s, i) => {
    if (s.group === undefined) return;
    const last = groups[groups.length - 1];
    if (last && last.token === s.group && last.last === i - 1) last.last = i;
    else {
      const t = trace.tokens.find((x) => x.n === s.group);
      groups.push({
        token: s.group,
        label: `authenticated with token #${s.group}${t ? ` (${t.fingerprint})` : ''}`,
        first: i,
        last: i,
      });
    }
  });

  return {
    participants: trace.participants,
    steps,
    groups,
    title: `Flow trace (${trace.source}, ${trace.startedAt})`,
  };
}

/** The label as plain text (Mermaid, ASCII). */
export const segmentsText = (segs: readonly Segment[]): string => segs.map((s) => s.text).join('');
