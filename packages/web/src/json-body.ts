import type { IncomingMessage } from 'node:http';

/** Why a request body was refused; `status` is the HTTP answer. */
export class BodyError extends Error {
  readonly status: 413 | 415 | 400;
  constructor(status: BodyError['status'], message: string) {
    super(message);
    this.status = status;
  }
  override get name(): string {
    return 'BodyError';
  }
}

/**
 * Read a JSON request body of at most `maxBytes`. The content type must be `application/json`
 * (a cross-site form cannot send it without a CORS preflight, which this server never grants).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new BodyError(415, 'the body must be application/json');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    req.resume();
    throw new BodyError(413, `the body is larger than ${maxBytes} bytes`);
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
        reject(new BodyError(413, `the body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => reject(new BodyError(400, 'the body could not be read')));
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Never echo the body: it may hold a token or a secret.
    throw new BodyError(400, 'the body is not valid JSON');
  }
}
