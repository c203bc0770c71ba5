import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createClient, type CreateClientInput } from '../clients.js';
import type { TestIssuer } from './harness.js';
import { FORM, form } from './harness.js';

export const REDIRECT = 'https://rp.example/cb';

/** A PKCE pair (RFC 7636 §4.1–4.2). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A tiny cookie jar for inject(): keeps name=value of every Set-Cookie. */
export class Jar {
  private readonly cookies = new Map<string, string>();
  take(setCookie: string | string[] | undefined): void {
    for (const c of setCookie === undefined
      ? []
      : Array.isArray(setCookie)
        ? setCookie
        : [setCookie]) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** Register a code-flow client on a test issuer. */
export async function codeClient(
  t: TestIssuer,
  input: Partial<CreateClientInput> & { clientId: string },
) {
  return createClient(
    { store: t.store, defaultAudience: 'api' },
    { name: input.clientId, redirectUris: [REDIRECT], scopes: ['read'], ...input },
  );
}

/** The hidden fields of the first form on a page. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  return out;
}

export interface InjectResult {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  location?: URL;
}

/** GET /authorize with the jar's cookies. */
export async function authorize(
  app: FastifyInstance,
  jar: Jar,
  params: Record<string, string>,
): Promise<InjectResult> {
  const res = await app.inject({
    method: 'GET',
    url: `/authorize?${new URLSearchParams(params).toString()}`,
    headers: { cookie: jar.header() },
  });
  jar.take(res.headers['set-cookie'] as string[] | undefined);
  const loc = res.headers['location'];
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    ...(typeof loc === 'string' ? { location: new URL(loc) } : {}),
  };
}

/** POST a hosted form (login or consent) with the jar's cookies. */
export async function submit(
  app: FastifyInstance,
  jar: Jar,
  path: string,
  fields: Record<string, string>,
): Promise<InjectResult> {
  const res = await app.inject({
    method: 'POST',
    url: path,
    headers: { ...FORM, cookie: jar.header() },
    payload: form(fields),
  });
  jar.take(res.headers['set-cookie'] as string[] | undefined);
  const loc = res.headers['location'];
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    ...(typeof loc === 'string' ? { location: new URL(loc) } : {}),
  };
}

/** Authorization request parameters for a client, with a fresh PKCE pair. */
export function codeRequest(clientId: string, extra: Record<string, string> = {}) {
  const p = pkce();
  return {
    verifier: p.verifier,
    params: {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: 'openid read',
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      ...extra,
    } as Record<string, string>,
  };
}

/** Run /authorize and the login form as alice; returns the redirect back (code, state, iss). */
export async function signIn(
  t: TestIssuer,
  jar: Jar,
  params: Record<string, string>,
  password = t.password,
): Promise<InjectResult> {
  const page = await authorize(t.app, jar, params);
  if (page.status !== 200) return page;
  return submit(t.app, jar, '/authorize/login', {
    ...hiddenFields(page.body),
    username: t.username,
    password,
  });
}
