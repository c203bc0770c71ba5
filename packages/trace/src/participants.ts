/**
 * Participants: one per service origin (host:port), split further by `--name host/prefix=Label`
 * rules, with the client on the left.
 */
import type { Participant, Trace } from './model.js';

export interface NameRule {
  /** `host[:port]` as shown in a URL (no scheme). */
  origin: string;
  /** Path prefix (`/auth`), or undefined for the whole origin. */
  pathPrefix?: string;
  label: string;
}

/**
 * Parse a `--name` value: `127.0.0.1:3000/auth="Auth API"` (the quotes are optional, a scheme
 * is ignored). Returns undefined when the value has no `=`.
 *
 * @example
 * parseNameRule('127.0.0.1:3000/auth="Auth API"') // → { origin: '127.0.0.1:3000', pathPrefix: '/auth', label: 'Auth API' }
 */
export function parseNameRule(value: string): NameRule | undefined {
  const eq = value.indexOf('=');
  if (eq <= 0) return undefined;
  let key = value
    .slice(0, eq)
    .trim()
    .replace(/^[a-z]+:\/\//i, '');
  const label = value
    .slice(eq + 1)
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/^'(.*)'$/, '$1');
  if (label === '' || key === '') return undefined;
  const slash = key.indexOf('/');
  let pathPrefix: string | undefined;
  if (slash >= 0) {
    pathPrefix = key.slice(slash).replace(/\/+$/, '');
    key = key.slice(0, slash);
    if (pathPrefix === '') pathPrefix = undefined;
  }
  const rule: NameRule = { origin: key.toLowerCase(), label };
  if (pathPrefix !== undefined) rule.pathPrefix = pathPrefix;
  return rule;
}

const hostOf = (url: URL): string => url.host.toLowerCase();

const prefixMatches = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`);

/** Assigns exchanges to participants, creating them in order of first appearance. */
export class ParticipantRegistry {
  readonly list: Participant[];
  private readonly rules: NameRule[];

  constructor(clientLabel: string, rules: readonly NameRule[] = []) {
    this.list = [{ id: 'client', label: clientLabel, kind: 'client' }];
    // Longest prefix first, so /auth/admin wins over /auth.
    this.rules = [...rules].sort(
      (a, b) => (b.pathPrefix ?? '').length - (a.pathPrefix ?? '').length,
    );
  }

  /** The participant id for a request URL. */
  idFor(rawUrl: string): string {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return this.ensure('unknown', undefined, 'unknown');
    }
    const origin = hostOf(url);
    const rule = this.rules.find(
      (r) =>
        r.origin === origin &&
        (r.pathPrefix === undefined || prefixMatches(url.pathname, r.pathPrefix)),
    );
    return this.ensure(origin, rule?.pathPrefix, rule?.label ?? origin);
  }

  private ensure(origin: string, pathPrefix: string | undefined, label: string): string {
    const found = this.list.find((p) => p.origin === origin && p.pathPrefix === pathPrefix);
    if (found) return found.id;
    const p: Participant = { id: `svc${this.list.length}`, label, kind: 'service', origin };
    if (pathPrefix !== undefined) p.pathPrefix = pathPrefix;
    this.list.push(p);
    return p.id;
  }
}

/**
 * Relabel the participants of an existing trace (for `trace render --name …`). Only labels change;
 * a prefix rule relabels a participant with that exact prefix.
 */
export function relabelParticipants(
  trace: Trace,
  rules: readonly NameRule[],
  clientLabel?: string,
): Trace {
  const participants = trace.participants.map((p) => {
    if (p.kind === 'client' && clientLabel !== undefined) return { ...p, label: clientLabel };
    const rule = rules.find((r) => r.origin === p.origin && r.pathPrefix === p.pathPrefix);
    return rule ? { ...p, label: rule.label } : p;
  });
  return { ...trace, participants };
}
