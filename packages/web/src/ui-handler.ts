import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApi } from './api-routes.js';
import { WebError } from './errors.js';
import {
  allowedHostsFor,
  hostAllowed,
  originAllowed,
  setSecurityHeaders,
} from './http-security.js';
import { createSessionGate, type SessionGate } from './session.js';
import { loadAssets } from './static-assets.js';
import type { UiOptions } from './ui-options.js';

/** Prefix of the assets and the API, chosen not to clash with the issuer's routes in demo mode. */
export const UI_PREFIX = '/_tessera/';

/** Query parameters that would put a token in a URL (and so in logs and history). */
const TOKEN_QUERY = ['token', 'id_token', 'access_token', 'value', 'publicKey'];

/**
 * A `node:http` request listener that serves the debugger; it answers 404 for paths it does
 * not own. `handle(req, res)` answers only what it owns and returns false otherwise, so a host
 * server can mount it (the issuer's demo mode mounts it at `/`).
 */
export interface UiHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The one-time entry path (`/s/<token>`), or undefined when the session is off. */
  readonly entryPath: string | undefined;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extra?: Record<string, string>,
): void {
  setSecurityHeaders(res);
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  if (extra !== undefined) for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
const sendText = (res: ServerResponse, status: number, text: string) =>
  send(res, status, 'text/plain; charset=utf-8', text);

// A token in the query string is refused, never read: the fragment keeps it out of requests.
const USE_FRAGMENT =
  'Refused: a token in the query string (?token=) ends up in logs and history.\n' +
  'Put it in the fragment instead: …/#token=eyJ… (the fragment never leaves the browser).\n';

function notFound(res: ServerResponse): true {
  sendText(res, 404, 'Not found\n');
  return true;
}

/** `/s/<token>`: the one-time entry path sets the session cookie and redirects to `/`. */
function enterSession(
  gate: SessionGate | undefined,
  path: string,
  method: string,
  admitted: boolean,
  res: ServerResponse,
): true {
  if (gate === undefined || method !== 'GET') return notFound(res);
  const cookie = gate.enter(path.slice(3));
  if (cookie !== undefined)
    send(res, 303, 'text/plain; charset=utf-8', '', { location: '/', 'set-cookie': cookie });
  else if (admitted) send(res, 303, 'text/plain; charset=utf-8', '', { location: '/' });
  else notFound(res);
  return true;
}

/** `/_tessera/api/<name>`: only with a session, and for writes only from this origin. */
function apiRequest(
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { admitted: boolean; hosts: readonly string[]; options: UiOptions },
): void {
  if (!ctx.admitted) {
    sendJson(res, 403, {
      error: { code: 'ERR_SESSION', message: 'no session: open the URL printed by tessera ui' },
    });
    return;
  }
  if ((req.method ?? 'GET') !== 'GET' && !originAllowed(req, ctx.hosts)) {
    sendJson(res, 403, {
      error: { code: 'ERR_ORIGIN', message: 'cross-origin requests are refused' },
    });
    return;
  }
  handleApi(name, req, ctx.options).then(
    (r) => sendJson(res, r.status, r.body),
    (e: unknown) => {
      if (e instanceof WebError && e.code === 'ERR_BODY')
        sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      else sendJson(res, 500, { error: { code: 'ERR_INTERNAL', message: 'the request failed' } });
    },
  );
}

/**
 * Create the debugger's request handler.
 *
 * @example
 * const ui = createUiHandler({ renderTraceSvg: renderSvg });
 * http.createServer(ui).listen(0, '127.0.0.1');
 * // demo mode, inside another server: if (!ui.handle(req, res)) next();
 */
export function createUiHandler(options: UiOptions = {}): UiHandler {
  const assets = loadAssets();
  const gate: SessionGate | undefined =
    options.session === false
      ? undefined
      : createSessionGate(typeof options.session === 'string' ? options.session : undefined);

  const hostsFor = (req: IncomingMessage): readonly string[] =>
    options.allowedHosts ?? allowedHostsFor(req.socket.localPort ?? 0);

  function owns(path: string): boolean {
    return (
      path === '/' ||
      path === '/index.html' ||
      (gate !== undefined && path.startsWith('/s/')) ||
      path.startsWith(UI_PREFIX)
    );
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (!owns(path)) return false;
    const hosts = hostsFor(req);
    if (!hostAllowed(req, hosts)) {
      sendText(
        res,
        403,
        'Forbidden: unexpected Host header (the debugger answers only 127.0.0.1 and localhost).\n',
      );
      return true;
    }
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    if (TOKEN_QUERY.some((p) => query.has(p))) {
      sendText(res, 400, USE_FRAGMENT);
      return true;
    }
    const admitted = gate === undefined || gate.admits(req);
    const method = req.method ?? 'GET';

    if (path.startsWith('/s/')) return enterSession(gate, path, method, admitted, res);
    if (path.startsWith(`${UI_PREFIX}api/`)) {
      apiRequest(path.slice(UI_PREFIX.length + 4), req, res, { admitted, hosts, options });
      return true;
    }
    if (!admitted) return notFound(res);
    if (method !== 'GET' && method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed\n');
      return true;
    }
    if (path === '/' || path === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', assets.page);
      return true;
    }
    const file = assets.files.get(path.slice(UI_PREFIX.length));
    if (file === undefined) return notFound(res);
    send(res, 200, file.contentType, file.body);
    return true;
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (!handle(req, res)) notFound(res);
  };
  return Object.assign(listener, { handle, entryPath: gate?.entryPath });
}
