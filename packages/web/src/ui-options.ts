/**
 * What the debugger is given by its host (the CLI's `ui` and `serve --demo`). Token inspection
 * (decode, verify, audit) comes from @tessera/inspect; features of other packages (the trace
 * renderer) arrive here by injection: @tessera/web imports only @tessera/jose and inspect
 * (docs/architecture.md#packages).
 */
export interface UiOptions {
  /** The trace renderer of @tessera/trace (`renderSvg`): trace → SVG text. */
  readonly renderTraceSvg?: (trace: unknown) => string;
  /** The live demo flow (`tessera serve --demo`): shown by the Trace pane on load. */
  readonly liveTrace?: () => unknown;
  /** Allow the one network call (fetching a JWKS URL, https only). Default false. */
  readonly allowNetwork?: boolean;
  /** With `allowNetwork`: also plain http to a loopback host (`--allow-http-loopback`). Default false. */
  readonly allowHttpLoopback?: boolean;
  /**
   * The JWKS URL of the issuer serving the page (`serve --demo`): the page offers it, and
   * fetching exactly this URL is allowed without `allowNetwork` (plain http on loopback included).
   */
  readonly ownJwksUrl?: () => string | undefined;
  /** Replaces global fetch for the JWKS fetch (tests). */
  readonly fetch?: typeof fetch;
  /**
   * Access control. Default: a one-time entry path plus a session cookie (`tessera ui`).
   * `false`: no session (only for `serve --demo`, whose page holds no secrets of its own);
   * a string: use it as the entry token.
   */
  readonly session?: false | string;
  /**
   * Host header values accepted. Default: `127.0.0.1:<port>` and `localhost:<port>` for the
   * port the request arrived on.
   */
  readonly allowedHosts?: readonly string[];
  /** Largest JSON body for the token APIs, bytes. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Largest trace.json accepted, bytes. Default 4 MiB. */
  readonly maxTraceBytes?: number;
}
