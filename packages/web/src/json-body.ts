import type { IncomingMessage } from 'node:http';
import { WebError } from './errors.js';

/** Why a request body was refused (`ERR_BODY`); `status` is the HTTP answer. */
const bodyError = (status: 400 | 413 | 415, message: string): WebError =>
  new WebError('ERR_BODY', status, message);

/**
 * Read a JSON request body of at most `maxBytes`. The content type must be `application/json`
 * (a cross-site form cannot send it without a CORS preflight, which this server never grants).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw bodyError(415, 'the body must be application/json');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    req.resume();
    throw bodyError(413, `the body is larger than ${maxBytes} bytes`);
  }
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop keeping data but let the rest drain, so the 413 answer can still be sent.
        req.off('data', onData);
        req.resume();
        reject(bodyError(413, `the body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => reject(bodyError(400, 'the body could not be read')));
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Never echo the body: it may hold a token or a secret.
    throw bodyError(400, 'the body is not valid JSON');
  }
}
