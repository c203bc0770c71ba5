import { randomUUID } from 'node:crypto';
import type { IssuerContext } from './context.js';
import { idTokenRing } from './id-tokens.js';
import type { ClientRow } from './stores/store.js';

/** OIDC Back-Channel Logout 1.0 §2.4 */
export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface BackchannelOptions {
  /** Per-attempt timeout (default 5 s). */
  readonly timeoutMs?: number;
  /** Delays before the retries (default 1 s, then 4 s: three attempts). */
  readonly retryDelaysMs?: readonly number[];
}

/**
 * Tell every client of an ended session that registered a `backchannel_logout_uri`: a logout
 * token (signed like its ID tokens, `typ: logout+jwt`, `events`, `sid`, `sub`, never a `nonce`)
 * POSTed with a timeout and retried. Returns at once: the user's logout never waits on a
 * relying party (the promise is for tests).
 */
export function sendBackchannelLogout(
  ctx: IssuerContext,
  clients: readonly ClientRow[],
  session: { sub: string; sid: string },
  options: BackchannelOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const delays = options.retryDelaysMs ?? [1000, 4000];
  const jobs = clients
    .filter((c) => c.backchannel_logout_uri !== null && c.disabled === 0)
    .map(async (c) => {
      const uri = c.backchannel_logout_uri!;
      const iat = ctx.nowSeconds();
      const token = (await idTokenRing(ctx, c)).signLogoutToken({
        aud: c.id,
        iat,
        exp: iat + 120,
        jti: randomUUID(),
        sub: session.sub,
        sid: session.sid,
        events: { [BACKCHANNEL_EVENT]: {} },
      });
      for (let attempt = 0; attempt <= delays.length; attempt++) {
        try {
          const res = await fetch(uri, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ logout_token: token }).toString(),
            redirect: 'error',
            signal: AbortSignal.timeout(timeoutMs),
          });
          await res.body?.cancel();
          // §2.8: 200 (or 204) is success; a 400 means the RP refused this token — no retry.
          if (res.ok || res.status === 400) return;
        } catch {
          // timeout, refused connection: retry below
        }
        const wait = delays[attempt];
        if (wait !== undefined) await new Promise((r) => setTimeout(r, wait).unref());
      }
      await ctx.audit.record({
        type: 'logout.backchannel_failed',
        subject: session.sub,
        clientId: c.id,
        detail: { sid: session.sid },
      });
    });
  return Promise.allSettled(jobs).then(() => undefined);
}
