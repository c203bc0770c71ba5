import { escapeHtml, renderPage, type PageOptions } from './html.js';
import { MFA_STRINGS as T } from './mfa.strings.js';
import { PASSKEY_SCRIPT, passkeyStepSection, type PasskeyCeremonyInput } from './passkey-page.js';

export interface MfaPageInput {
  readonly branding: PageOptions['branding'];
  readonly clientName: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly error?:
    'wrong' | 'malformed' | 'recovery_wrong' | 'recovery_malformed' | { readonly blocked: number };
  /** The user also has passkeys: a button to use one instead (its request options). */
  readonly passkeyOptions?: unknown;
}

function hidden(i: { interaction: string; csrf: string }): string {
  return `<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">`;
}

/**
 * The second step of the hosted login: the TOTP code field with the standard tokens
 * (HTML §4.10.18.7 `one-time-code`, numeric keyboard) and, folded away, a recovery-code form.
 * Same CSP and CSRF rules as the login page; no script.
 */
export function mfaPage(i: MfaPageInput): string {
  const e = i.error;
  const message =
    e === undefined
      ? undefined
      : typeof e === 'object'
        ? T.blocked(e.blocked)
        : {
            wrong: T.wrong,
            malformed: T.malformed,
            recovery_wrong: T.recoveryWrong,
            recovery_malformed: T.recoveryMalformed,
          }[e];
  const onRecovery = e === 'recovery_wrong' || e === 'recovery_malformed';
  const error =
    message === undefined
      ? ''
      : `<p class="error" role="alert" id="mfa-error">${escapeHtml(message)}</p>`;
  const codeDescribed = message !== undefined && !onRecovery ? ' aria-describedby="mfa-error"' : '';
  const recoveryDescribed = onRecovery ? ' aria-describedby="mfa-error"' : '';
  const body = `<h1>${escapeHtml(T.title)}</h1>
<p>${escapeHtml(T.intro(i.clientName))}</p>
${error}<form method="post" action="/authorize/mfa">
${hidden(i)}
<label for="code">${escapeHtml(T.code)}</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6" spellcheck="false" required${onRecovery ? '' : ' autofocus'}${codeDescribed}>
<button type="submit">${escapeHtml(T.submit)}</button>
</form>
<details${onRecovery ? ' open' : ''}>
<summary>${escapeHtml(T.recoverySummary)}</summary>
<form method="post" action="/authorize/mfa">
${hidden(i)}
<label for="recovery_code">${escapeHtml(T.recoveryCode)}</label>
<input type="text" id="recovery_code" name="recovery_code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="19" required${recoveryDescribed}>
<button type="submit" class="secondary">${escapeHtml(T.recoverySubmit)}</button>
</form>
</details>${
    i.passkeyOptions === undefined
      ? ''
      : `\n${passkeyStepSection({ interaction: i.interaction, csrf: i.csrf, options: i.passkeyOptions } satisfies PasskeyCeremonyInput)}`
  }`;
  return renderPage({
    title: T.title,
    body,
    branding: i.branding,
    lang: T.lang,
    ...(i.passkeyOptions !== undefined ? { scripts: [PASSKEY_SCRIPT] } : {}),
  });
}

export interface RecoveryUsedPageInput {
  readonly branding: PageOptions['branding'];
  readonly remaining: number;
  readonly interaction: string;
  readonly csrf: string;
}

/** After a recovery code: how many are left (the last one warns), then on to the client. */
export function recoveryUsedPage(i: RecoveryUsedPageInput): string {
  const warn =
    i.remaining === 0 ? `<p class="error" role="alert">${escapeHtml(T.lastUsed)}</p>` : '';
  const body = `<h1>${escapeHtml(T.usedTitle)}</h1>
<p role="status">${escapeHtml(T.used(i.remaining))}</p>
${warn}<form method="post" action="/authorize/continue">
${hidden(i)}
<button type="submit">${escapeHtml(T.usedContinue)}</button>
</form>`;
  return renderPage({ title: T.usedTitle, body, branding: i.branding, lang: T.lang });
}
