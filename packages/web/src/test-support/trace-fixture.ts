import { existsSync } from 'node:fs';
import { hsToken } from './fixtures.js';

/**
 * A small trace in the shape of @tessera/trace's `trace.json` (format `tessera-trace`,
 * version 1): a login carrying credentials, then two token-only calls.
 */
export function sampleTrace(): Record<string, unknown> {
  const token = hsToken({ scope: 'read' }, '15m');
  const fp = 'a1b2c3d4';
  const ex = (
    seq: number,
    method: string,
    url: string,
    status: number,
    extra: Record<string, unknown>,
  ) => ({
    seq,
    t: seq * 10,
    from: 'client',
    to: 'api',
    method,
    url,
    requestHeaders: {},
    status,
    durationMs: 3,
    responseHeaders: {},
    credentials: [],
    tokensPresented: [],
    tokensIssued: [],
    ...extra,
  });
  return {
    format: 'tessera-trace',
    version: 1,
    source: 'run',
    startedAt: '2026-01-01T00:00:00.000Z',
    revealed: true,
    participants: [
      { id: 'client', label: 'CLI', kind: 'client' },
      { id: 'api', label: 'Demo API', kind: 'service', origin: '127.0.0.1:3000' },
    ],
    exchanges: [
      ex(1, 'POST', 'http://127.0.0.1:3000/login', 200, {
        role: 'login',
        requestBody: { type: 'form', fields: ['username', 'password'], bytes: 30 },
        credentials: [{ kind: 'password-field', location: 'form', name: 'password' }],
        tokensIssued: [{ fingerprint: fp, location: 'json', name: 'access_token' }],
      }),
      ex(2, 'GET', 'http://127.0.0.1:3000/me', 200, {
        tokensPresented: [{ fingerprint: fp, location: 'authorization' }],
      }),
      ex(3, 'GET', 'http://127.0.0.1:3000/orders', 200, {
        tokensPresented: [{ fingerprint: fp, location: 'authorization' }],
      }),
    ],
    tokens: [
      {
        n: 1,
        fingerprint: fp,
        display: `${token.slice(0, 8)}…${token.slice(-4)}`,
        value: token,
        kind: 'jwt',
        alg: 'HS256',
        issuedIn: 1,
        issuedAs: 'access_token',
        presentedIn: [2, 3],
      },
    ],
    assertions: [
      {
        name: 'credentials-once',
        status: 'pass',
        message: 'credentials sent once, to the login endpoint',
        exchanges: [1],
      },
      { name: 'no-token-in-url', status: 'pass', message: 'no token in any URL', exchanges: [] },
    ],
    findings: [],
  };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A minimal sequence diagram of a trace's exchanges, used when @tessera/trace is not built:
 * one lifeline per participant and one arrow per exchange.
 */
export function minimalTraceSvg(trace: unknown): string {
  const t = trace as {
    participants?: { id: string; label: string }[];
    exchanges?: {
      seq: number;
      from: string;
      to: string;
      method: string;
      url: string;
      status: number;
    }[];
  };
  const parts = t.participants ?? [];
  const xs = new Map(parts.map((p, i) => [p.id, 80 + i * 260]));
  const rows = t.exchanges ?? [];
  const height = 80 + rows.length * 60;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${160 + parts.length * 260}" height="${height}" font-family="sans-serif" font-size="12">`,
  ];
  for (const p of parts) {
    const x = xs.get(p.id)!;
    out.push(
      `<text x="${x}" y="20" text-anchor="middle" font-weight="bold">${esc(p.label)}</text><line x1="${x}" y1="30" x2="${x}" y2="${height - 10}" stroke="#999"/>`,
    );
  }
  rows.forEach((e, i) => {
    const y = 60 + i * 60;
    const x1 = xs.get(e.from) ?? 80;
    const x2 = xs.get(e.to) ?? 340;
    out.push(
      `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="#3451b2" stroke-width="2"/><text x="${(x1 + x2) / 2}" y="${y - 6}" text-anchor="middle">${e.seq}. ${esc(e.method)} ${esc(new URL(e.url).pathname)}</text>`,
    );
    out.push(
      `<line x1="${x2}" y1="${y + 22}" x2="${x1}" y2="${y + 22}" stroke="#3451b2" stroke-dasharray="4 3"/><text x="${(x1 + x2) / 2}" y="${y + 18}" text-anchor="middle">${e.status}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('');
}

/**
 * The real renderer of @tessera/trace when its build exists (another package, loaded at run
 * time only so this package's build does not depend on it), otherwise {@link minimalTraceSvg}.
 */
export async function loadTraceRenderer(): Promise<{
  render: (trace: unknown) => string;
  real: boolean;
}> {
  const dist = new URL('../../../trace/dist/index.js', import.meta.url);
  if (existsSync(dist)) {
    try {
      const mod = (await import(dist.href)) as { renderSvg?: (trace: unknown) => string };
      const render = mod.renderSvg;
      // Use it only if it draws our sample (the trace package may be mid-edit).
      if (typeof render === 'function' && render(sampleTrace()).includes('<svg'))
        return { render, real: true };
    } catch {
      // fall through to the minimal renderer
    }
  }
  return { render: minimalTraceSvg, real: false };
}
