/**
 * What a capture mode records before classification and redaction. Raw exchanges hold secrets
 * and live only in memory; {@link buildTrace} turns them into a redacted trace.
 */
export type HeaderList = [name: string, value: string][];

export interface RawExchange {
  /** Milliseconds since the trace started. */
  t: number;
  method: string;
  /** Absolute URL. */
  url: string;
  requestHeaders: HeaderList;
  requestBody?: string;
  /** 0 when no response arrived. */
  status: number;
  durationMs: number;
  responseHeaders: HeaderList;
  responseBody?: string;
  role?: 'login';
  /**
   * Who sent it, as an absolute URL of a participant (e.g. a web app calling the issuer from its
   * server side). Absent: the trace's client (the CLI, the proxied client, the browser).
   */
  from?: string;
  /** A transport failure (`ECONNREFUSED`, `timeout`). */
  error?: string;
}

/** The value of the first header of that name (case-insensitive). */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const n = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

/** Every value of that header (Set-Cookie repeats). */
export function headerValues(headers: HeaderList, name: string): string[] {
  const n = name.toLowerCase();
  return headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}
