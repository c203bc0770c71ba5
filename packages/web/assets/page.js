// Tessera debugger page, shared parts (helpers, state, tabs, token rendering): plain ES modules, no framework, no build step, so the package ships
// exactly what the browser runs (served from this origin, under the page's CSP). Every piece of
// data is put into the page with textContent (never innerHTML), and every request goes to this
// origin. Nothing is stored in the browser (no localStorage, no sessionStorage).
export const API = '/_tessera/api/';
export const $ = (id) => document.getElementById(id);

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    );
  }
  return node;
}

export async function api(name, body) {
  const init =
    body === undefined
      ? { credentials: 'same-origin' }
      : {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        };
  try {
    const res = await fetch(API + name, init);
    const data = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, data };
  } catch {
    return {
      ok: false,
      status: 0,
      data: {
        error: { code: 'ERR_OFFLINE', message: 'the local debugger process is not answering' },
      },
    };
  }
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

const toastEl = el('div', { class: 'toast', hidden: true, role: 'status' });
document.body.append(toastEl);
export function toast(text) {
  toastEl.textContent = text;
  toastEl.hidden = false;
  setTimeout(() => {
    toastEl.hidden = true;
  }, 1500);
}
export async function copy(text, what) {
  if (!text) return toast(`Nothing to copy`);
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast('The clipboard is not available');
  }
}

export const state = {
  token: '',
  decoded: undefined,
  config: {
    allowNetwork: false,
    allowHttpLoopback: false,
    ownJwksUrl: null,
    audit: false,
    traceRenderer: false,
    liveTrace: false,
  },
};

// ---------- tabs ----------
const tabs = [...document.querySelectorAll('[role="tab"]')];
export function showPane(name) {
  for (const t of tabs) {
    const on = t.dataset.pane === name;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(`pane-${t.dataset.pane}`).hidden = !on;
  }
  if (name === 'verify') renderTokenInto($('verify-token'), state.decoded);
  if (name === 'audit') renderTokenInto($('audit-token'), state.decoded);
}
for (const t of tabs) t.addEventListener('click', () => showPane(t.dataset.pane));
$('tab-decode').parentElement.addEventListener('keydown', (e) => {
  const i = tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true');
  const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (d === 0) return;
  const next = tabs[(i + d + tabs.length) % tabs.length];
  showPane(next.dataset.pane);
  next.focus();
});
document.addEventListener('keydown', (e) => {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const n = Number(e.key);
  if (n >= 1 && n <= tabs.length) {
    e.preventDefault();
    showPane(tabs[n - 1].dataset.pane);
  }
});

// ---------- token rendering ----------
export function renderTokenInto(target, decoded) {
  target.replaceChildren();
  if (!decoded || decoded.parts.length === 0) {
    target.append(el('span', { class: 'note' }, 'No token — paste one in the Decode tab.'));
    return;
  }
  decoded.parts.forEach((p, i) => {
    if (i > 0) target.append(el('span', { class: 'dot-sep' }, '.'));
    target.append(el('span', { class: `part-${p.kind}`, 'data-part': p.kind }, p.text));
  });
}
