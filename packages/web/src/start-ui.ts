import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebError } from './errors.js';
import { createUiHandler } from './ui-handler.js';
import type { UiOptions } from './ui-options.js';

export interface StartUiOptions extends UiOptions {
  /** Port to bind on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

export interface RunningUi {
  /** `http://127.0.0.1:<port>/s/<one-time token>`: open it once; it then sets a session cookie. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Start the local debugger on 127.0.0.1 only (never another interface), on a free port unless
 * `port` is given. The URL carries an unguessable one-time token; append `#token=<jwt>` to
 * preload a token (the fragment never reaches the server).
 *
 * @example
 * const ui = await startUi({ renderTraceSvg: renderSvg });
 * console.log(ui.url);
 * await ui.close();
 */
export async function startUi(options: StartUiOptions = {}): Promise<RunningUi> {
  const { port = 0, ...rest } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new WebError('ERR_UI_OPTIONS_INVALID', 500, 'port must be an integer 0-65535');
  const handler = createUiHandler({
    ...rest,
    session: rest.session === false ? undefined : rest.session,
  });
  const server: Server = createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}${handler.entryPath ?? '/'}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
