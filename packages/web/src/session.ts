import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The local server's access control. `tessera ui` prints a URL with an unguessable one-time
 * path token (`/s/<token>`); its first use sets an HttpOnly, SameSite=Strict session cookie and
 * redirects to `/`, and then the token is spent. Every page, asset and API request needs the
 * cookie. So another local user or a web page cannot drive the API without the printed URL.
 */
export interface SessionGate {
  /** The entry path, e.g. `/s/Yx3…`, until it has been used. */
  readonly entryPath: string;
  /** Use the entry token: returns the Set-Cookie value, or undefined when spent or wrong. */
  enter(token: string): string | undefined;
  /** True when the request carries the session cookie. */
  admits(req: IncomingMessage): boolean;
}

const newSecret = () => randomBytes(32).toString('base64url');

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Create the gate. `entryToken` may be given (tests); by default 256 random bits.
 *
 * @example
 * const gate = createSessionGate();
 * console.log(`http://127.0.0.1:${port}${gate.entryPath}`);
 */
export function createSessionGate(entryToken: string = newSecret()): SessionGate {
  const session = newSecret();
  // The cookie name carries no port: cookies are shared across ports of one host, and a random
  // per-process name suffix keeps two debuggers on one machine from overwriting each other.
  const name = `tessera_ui_${randomBytes(4).toString('hex')}`;
  let spent = false;
  return {
    entryPath: `/s/${entryToken}`,
    enter(token) {
      if (spent || !equal(token, entryToken)) return undefined;
      spent = true;
      return `${name}=${session}; Path=/; HttpOnly; SameSite=Strict`;
    },
    admits(req) {
      const v = cookieValue(req, name);
      return v !== undefined && equal(v, session);
    },
  };
}
