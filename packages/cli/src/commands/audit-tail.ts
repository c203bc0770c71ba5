import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { STORE_FLAGS, withIssuerStore } from './issuer-store.js';

export const help = `Usage: tessera audit tail [--follow] [--json] [--event TYPE] [--lines N]
  common: [--config FILE] [--database postgres://…|FILE] [--data-dir ./.tessera]

  The issuer's audit events (logins, issuance, refresh reuse, revocations, key changes, admin
  actions), oldest first: the last N (default 20), then with --follow new ones as they are
  stored (polled each second, until interrupted). --event keeps one type (e.g. login.failed).
  --json prints one JSON object per line. Events carry identifiers only, never a secret.
  Repeated failures (wrong client secrets, failed or blocked logins, refused revocations) share
  one row per minute, type, subject, client and address: the line ends count=N last=TIME;
  with --follow a row is printed again when its count grows.
`;

interface EventRow {
  id: string;
  at_ms: number;
  type: string;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  detail: string;
  /** Events the row stands for (absent before migration 0007: 1). */
  count?: number;
  last_at_ms?: number | null;
}

function show(e: EventRow, json: boolean): string {
  let detail: unknown = {};
  try {
    detail = JSON.parse(e.detail);
  } catch {
    detail = {};
  }
  const at = new Date(e.at_ms).toISOString();
  const count = e.count ?? 1;
  const last =
    e.last_at_ms !== undefined && e.last_at_ms !== null
      ? new Date(e.last_at_ms).toISOString()
      : null;
  if (json)
    return `${JSON.stringify({ id: e.id, at, type: e.type, subject: e.subject, client_id: e.client_id, ip: e.ip, detail, count, ...(last !== null ? { last_at: last } : {}) })}\n`;
  const repeats = count > 1 ? ` count=${count} last=${last ?? at}` : '';
  return `${at}  ${e.type.padEnd(24)} subject=${e.subject ?? '-'} client=${e.client_id ?? '-'} ip=${e.ip ?? '-'} ${JSON.stringify(detail)}${repeats}\n`;
}

const POLL_MS = 1000;
const BATCH = 500;

/** `tessera audit tail`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('audit', args, io, async () => {
    const { values, positionals } = parse(args, {
      ...STORE_FLAGS,
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      event: { type: 'string' },
      lines: { type: 'string', short: 'n' },
    });
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw usageError('unexpected argument');
    const lines =
      values.lines === undefined ? 20 : /^\d{1,5}$/.test(values.lines) ? Number(values.lines) : NaN;
    if (Number.isNaN(lines)) throw usageError('--lines must be a number up to 99999');
    if (values.event !== undefined && !/^[a-z_]+\.[a-z_.]+$/.test(values.event))
      throw usageError('--event must be an event type such as login.failed');
    const json = values.json === true;
    return withIssuerStore(values, io, async ({ store }) => {
      // id → count printed: an aggregated row is printed again when its count has grown.
      const seen = new Map<string, number>();
      const fetch = async (limit: number) =>
        ((await store.listAuditEvents(limit, values.event)) as EventRow[]).reverse();
      // Everything already stored counts as seen (so --follow prints only what comes later);
      // the last `lines` of it are printed.
      const initial = await fetch(Math.max(lines, BATCH));
      for (const e of initial) seen.set(e.id, e.count ?? 1);
      for (const e of lines === 0 ? [] : initial.slice(-lines)) io.stdout.write(show(e, json));
      if (values.follow !== true) return EXIT.OK;
      io.stderr.write('following the audit log (Ctrl-C to stop)\n');
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        while (!stop) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          for (const e of await fetch(BATCH)) {
            const printed = seen.get(e.id);
            if (printed !== undefined && printed >= (e.count ?? 1)) continue;
            seen.set(e.id, e.count ?? 1);
            io.stdout.write(show(e, json));
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return EXIT.OK;
    });
  });
}
