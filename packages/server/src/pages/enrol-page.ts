import { escapeHtml, renderPage, type PageOptions } from './html.js';
import { ENROL_STRINGS as T } from './enrol.strings.js';

interface FormInput {
  readonly branding: PageOptions['branding'];
  readonly interaction: string;
  readonly csrf: string;
}

function hidden(i: FormInput): string {
  return `<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">`;
}

/** The `optional` policy's offer after the password: set up a second factor now, or not now. */
export function enrolOfferPage(i: FormInput & { readonly clientName: string }): string {
  const body = `<h1>${escapeHtml(T.offerTitle)}</h1>
<p>${escapeHtml(T.offerIntro(i.clientName))}</p>
<form method="post" action="/authorize/enrol/offer" class="actions">
${hidden(i)}
<button type="submit" name="decision" value="setup">${escapeHtml(T.offerSetUp)}</button>
<button type="submit" name="decision" value="skip" class="secondary">${escapeHtml(T.offerSkip)}</button>
</form>`;
  return renderPage({ title: T.offerTitle, body, branding: i.branding, lang: T.lang });
}

export interface EnrolPageInput extends FormInput {
  readonly clientName: string;
  /** The client's policy demands it (the page says so; there is no way around it). */
  readonly required: boolean;
  /** The QR code of the `otpauth://` URI, an SVG document made by the QR library. */
  readonly qrSvg: string;
  /** The secret in base32. */
  readonly secret: string;
  readonly minutesLeft: number;
  readonly error?: 'wrong' | 'malformed' | { readonly blocked: number };
}

/** Base32 in groups of four, as authenticator apps accept it typed with or without the spaces. */
export function groupSecret(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * TOTP enrolment: the QR code (inline SVG, no script, no external image), the key for manual
 * entry, and the first code that confirms it. Same CSP, CSRF binding and no-store as the login.
 */
export function enrolPage(i: EnrolPageInput): string {
  const e = i.error;
  const message =
    e === undefined
      ? undefined
      : typeof e === 'object'
        ? T.blocked(e.blocked)
        : e === 'wrong'
          ? T.wrong
          : T.malformed;
  const error =
    message === undefined
      ? ''
      : `<p class="error" role="alert" id="enrol-error">${escapeHtml(message)}</p>`;
  const described = message === undefined ? '' : ' aria-describedby="enrol-error"';
  // The library's SVG has no script or style element; it gets a role and a name for assistive
  // technology.
  const svg = i.qrSvg.replace(
    /^<svg /,
    `<svg role="img" aria-label="${escapeHtml(T.qrLabel)}" width="200" height="200" `,
  );
  const intro = i.required ? `<p>${escapeHtml(T.requiredIntro(i.clientName))}</p>\n` : '';
  const body = `<h1>${escapeHtml(T.title)}</h1>
${intro}<p>${escapeHtml(T.intro)}</p>
<div class="qr">${svg}</div>
<details>
<summary>${escapeHtml(T.manualSummary)}</summary>
<p>${escapeHtml(T.manualIntro)}</p>
<dl>
<dt>${escapeHtml(T.manualKey)}</dt><dd><code class="secret" id="totp-secret">${escapeHtml(groupSecret(i.secret))}</code></dd>
<dt>${escapeHtml(T.manualType)}</dt><dd>${escapeHtml(T.manualTypeValue)}</dd>
</dl>
</details>
<p class="muted">${escapeHtml(T.expires(i.minutesLeft))}</p>
${error}<form method="post" action="/authorize/enrol">
${hidden(i)}
<label for="code">${escapeHtml(T.code)}</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6" spellcheck="false" required autofocus${described}>
<button type="submit">${escapeHtml(T.submit)}</button>
</form>${
    i.required
      ? ''
      : `
<form method="post" action="/authorize/enrol/offer">
${hidden(i)}
<button type="submit" name="decision" value="skip" class="secondary">${escapeHtml(T.offerSkip)}</button>
</form>`
  }`;
  return renderPage({ title: T.title, body, branding: i.branding, lang: T.lang });
}

/** After the first code: the recovery codes, shown once, then on to the client. */
export function recoveryCodesPage(i: FormInput & { readonly codes: readonly string[] }): string {
  const list = i.codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('\n');
  const body = `<h1>${escapeHtml(T.doneTitle)}</h1>
<p role="status">${escapeHtml(T.doneIntro)}</p>
<ul class="codes" aria-label="${escapeHtml(T.codesLabel)}">
${list}
</ul>
<form method="post" action="/authorize/continue">
${hidden(i)}
<button type="submit">${escapeHtml(T.doneContinue)}</button>
</form>`;
  return renderPage({ title: T.doneTitle, body, branding: i.branding, lang: T.lang });
}
