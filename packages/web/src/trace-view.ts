/**
 * The Trace pane's list view of a `trace.json` (the model of @tessera/trace, read defensively:
 * this package does not import it, docs/architecture.md#packages). The diagram itself comes from the
 * injected renderer.
 */
export interface ExchangeRow {
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly credentials: readonly string[];
  /** Token numbers (`#1`) presented and issued. */
  readonly presented: readonly string[];
  readonly issued: readonly string[];
  /** Full tokens, only when the trace was recorded with `--reveal` (for "open in Decode"). */
  readonly tokens: readonly string[];
}

export interface AssertionRow {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
  readonly exchanges: readonly number[];
}

export interface TraceSummary {
  readonly participants: readonly string[];
  readonly exchanges: readonly ExchangeRow[];
  readonly assertions: readonly AssertionRow[];
  readonly findings: readonly { code: string; message: string }[];
}

/** Largest number of exchanges listed (a guard against huge files; the diagram has its own). */
export const MAX_LISTED_EXCHANGES = 500;

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Summarize a trace for the exchange list and the assertion results.
 *
 * @example
 * summarizeTrace(JSON.parse(traceJson)).assertions.filter((a) => !a.ok)
 */
export function summarizeTrace(trace: unknown): TraceSummary {
  const t = obj(trace);
  const participants = arr(t['participants']).map((p) => str(obj(p)['label']) || str(obj(p)['id']));
  const labels = new Map(
    arr(t['participants']).map((p) => [
      str(obj(p)['id']),
      str(obj(p)['label']) || str(obj(p)['id']),
    ]),
  );
  const byFingerprint = new Map<string, { n: string; value?: string }>();
  for (const tok of arr(t['tokens'])) {
    const o = obj(tok);
    const value = typeof o['value'] === 'string' ? o['value'] : undefined;
    byFingerprint.set(str(o['fingerprint']), {
      n: `#${num(o['n'])}`,
      ...(value !== undefined ? { value } : {}),
    });
  }
  const exchanges = arr(t['exchanges'])
    .slice(0, MAX_LISTED_EXCHANGES)
    .map((x): ExchangeRow => {
      const e = obj(x);
      const tokens: string[] = [];
      const ref = (list: unknown): string[] =>
        arr(list).map((p) => {
          const hit = byFingerprint.get(str(obj(p)['fingerprint']));
          if (hit?.value !== undefined && !tokens.includes(hit.value)) tokens.push(hit.value);
          return hit?.n ?? str(obj(p)['fingerprint']);
        });
      return {
        seq: num(e['seq']),
        from: labels.get(str(e['from'])) ?? str(e['from']),
        to: labels.get(str(e['to'])) ?? str(e['to']),
        method: str(e['method']),
        url: str(e['url']),
        status: num(e['status']),
        credentials: arr(e['credentials']).map((c) =>
          [str(obj(c)['kind']), str(obj(c)['name'])].filter(Boolean).join(': '),
        ),
        presented: ref(e['tokensPresented']),
        issued: ref(e['tokensIssued']),
        tokens,
      };
    });
  const assertions = arr(t['assertions']).map((a): AssertionRow => {
    const o = obj(a);
    const ok = o['status'] === 'pass' || o['ok'] === true || o['passed'] === true;
    return {
      name: str(o['name']),
      ok,
      message: str(o['message']),
      exchanges: arr(o['exchanges']).map(num),
    };
  });
  const findings = arr(t['findings']).map((f) => ({
    code: str(obj(f)['code']),
    message: str(obj(f)['message']),
  }));
  return { participants, exchanges, assertions, findings };
}
