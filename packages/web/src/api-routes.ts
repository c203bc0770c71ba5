import type { IncomingMessage } from 'node:http';
import { isJoseError } from '@tessera/jose';
import { decodeToken } from './decode-token.js';
import { verifyToken, type VerifyRequest } from './verify-token.js';
import { generateKeyFor, signToken, type SignRequest } from './sign-token.js';
import { summarizeTrace } from './trace-view.js';
import { fetchJwks } from './jwks-fetch.js';
import { WebError } from './errors.js';
import { auditToken } from '@tessera/inspect';
import { readJsonBody } from './json-body.js';
import type { UiOptions } from './ui-options.js';

/** An API answer: status and JSON body. */
export interface ApiResult {
  readonly status: number;
  readonly body: unknown;
}

const ok = (body: unknown): ApiResult => ({ status: 200, body });
const error = (status: number, code: string, message: string): ApiResult => ({
  status,
  body: { error: { code, message } },
});

// Errors never echo request content: JOSE errors are safe by contract, everything else is
// replaced by a fixed message (tokens and secrets must not come back in error text).
function fromError(e: unknown): ApiResult {
  if (e instanceof WebError) return error(e.status, e.code, e.message);
  if (isJoseError(e)) return error(400, e.code, e.message);
  return error(500, 'ERR_INTERNAL', 'the request failed');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

function traceView(trace: unknown, render: UiOptions['renderTraceSvg']): ApiResult {
  let diagram: { svgDataUrl: string } | { diagramError: string };
  if (render === undefined)
    diagram = { diagramError: 'no trace renderer was given to the debugger' };
  else {
    try {
      const svg = render(trace);
      diagram =
        typeof svg === 'string' && svg.includes('<svg')
          ? { svgDataUrl: svgDataUrl(svg) }
          : { diagramError: 'the renderer returned no SVG' };
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      // Trace input errors name a JSON path and a reason; they carry no values.
      diagram = {
        diagramError:
          typeof code === 'string' && code.startsWith('ERR_TRACE_')
            ? (e as Error).message
            : 'the trace could not be drawn',
      };
    }
  }
  return ok({ ...diagram, summary: summarizeTrace(trace) });
}

/** The API routes, by name, under `/_tessera/api/`. */
export async function handleApi(
  name: string,
  req: IncomingMessage,
  o: UiOptions,
): Promise<ApiResult> {
  const method = req.method ?? 'GET';
  if (name === 'config' && method === 'GET') {
    return ok({
      allowNetwork: o.allowNetwork === true,
      allowHttpLoopback: o.allowNetwork === true && o.allowHttpLoopback === true,
      ownJwksUrl: o.ownJwksUrl?.() ?? null,
      audit: true,
      traceRenderer: o.renderTraceSvg !== undefined,
      liveTrace: o.liveTrace !== undefined,
    });
  }
  if (name === 'trace/live' && method === 'GET') {
    if (o.liveTrace === undefined)
      return error(404, 'ERR_NO_LIVE_TRACE', 'no live flow in this mode');
    let trace: unknown;
    try {
      trace = await o.liveTrace();
    } catch {
      return error(500, 'ERR_LIVE_TRACE', 'the live flow could not be read');
    }
    return traceView(trace, o.renderTraceSvg);
  }
  if (method !== 'POST') return error(405, 'ERR_METHOD', 'use POST');
  const isTrace = name === 'trace/render';
  const body = await readJsonBody(
    req,
    isTrace ? (o.maxTraceBytes ?? 4 * 1024 * 1024) : (o.maxBodyBytes ?? 64 * 1024),
  );
  if (isTrace) return traceView(body, o.renderTraceSvg);
  if (!isObject(body)) return error(400, 'ERR_REQUEST', 'the body must be a JSON object');
  try {
    switch (name) {
      case 'decode':
        if (typeof body['token'] !== 'string')
          return error(400, 'ERR_REQUEST', '"token" must be a string');
        return ok(decodeToken(body['token']));
      case 'verify':
        if (typeof body['token'] !== 'string' || !isObject(body['key']))
          return error(400, 'ERR_REQUEST', '"token" and "key" are required');
        return ok(verifyToken(body as unknown as VerifyRequest));
      case 'sign':
        if (!isObject(body['key'])) return error(400, 'ERR_REQUEST', '"key" is required');
        return ok(signToken(body as unknown as SignRequest));
      case 'keygen':
        return ok(generateKeyFor(String(body['alg'])));
      case 'audit': {
        if (typeof body['token'] !== 'string')
          return error(400, 'ERR_REQUEST', '"token" must be a string');
        return ok({ findings: auditToken(body['token']) });
      }
      case 'jwks':
        if (typeof body['url'] !== 'string')
          return error(400, 'ERR_REQUEST', '"url" must be a string');
        try {
          const jwks = await fetchJwks(body['url'], {
            allowNetwork: o.allowNetwork === true,
            allowHttpLoopback: o.allowHttpLoopback === true,
            ownJwksUrl: o.ownJwksUrl?.(),
            ...(o.fetch !== undefined ? { fetch: o.fetch } : {}),
          });
          return ok({ jwks });
        } catch (e) {
          if (e instanceof WebError) return error(e.status, e.code, e.message);
          throw e;
        }
      default:
        return error(404, 'ERR_NOT_FOUND', 'no such API');
    }
  } catch (e) {
    return fromError(e);
  }
}
