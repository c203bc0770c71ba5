/**
 * Paste cleaning for tokens (Decode pane; the CLI's rules in docs/cli.md#input): people paste `Bearer …`, whole
 * `Authorization:` lines, JSON-quoted strings and wrapped lines. The cleaned text is what the
 * pane decodes; the list of what was removed is shown so nothing happens silently.
 */
export interface CleanedToken {
  readonly token: string;
  /** Human names of what was stripped, e.g. `"Bearer prefix"`, `"quotes"`, `"whitespace"`. */
  readonly removed: readonly string[];
}

const PREFIXES: readonly [RegExp, string][] = [
  [/^authorization\s*:\s*/i, '"Authorization:" header name'],
  [/^(access_token|id_token|refresh_token|token|value)\s*[:=]\s*/i, 'field name'],
  [/^bearer\s+/i, 'Bearer prefix'],
];

/**
 * Clean a pasted token: strips an `Authorization:` header name, a `Bearer ` prefix, field names
 * such as `access_token:`, surrounding quotes or backticks, and every whitespace character.
 *
 * @example
 * cleanTokenInput('Bearer "eyJ…"').token // 'eyJ…'
 */
export function cleanTokenInput(raw: string): CleanedToken {
  const removed: string[] = [];
  let s = raw.trim();
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const [re, name] of PREFIXES) {
      if (re.test(s)) {
        s = s.replace(re, '').trim();
        if (!removed.includes(name)) removed.push(name);
        changed = true;
      }
    }
    const q = /^(["'`])([\s\S]*)\1[,;]?$/.exec(s);
    if (q !== null) {
      s = q[2]!.trim();
      if (!removed.includes('quotes')) removed.push('quotes');
      changed = true;
    }
    if (!changed) break;
  }
  if (/\s/.test(s)) {
    s = s.replace(/\s+/g, '');
    removed.push('whitespace');
  }
  return { token: s, removed };
}
