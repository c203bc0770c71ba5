/**
 * Finds member names written more than once in the same JSON object. `JSON.parse` keeps the
 * last one silently; RFC 7515 §4 and RFC 7519 §4 want such input rejected (docs/security.md#duplicate-members),
 * and `decode`/`audit` must point at it. The text must already be valid JSON.
 */
export function duplicateMembers(text: string): string[] {
  const dups = new Set<string>();
  // One entry per open container: a Set of names for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      for (; j < text.length; j++) {
        const d = text[j];
        if (d === '\\') j++;
        else if (d === '"') break;
      }
      if (expectKey) {
        let name: string;
        try {
          name = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          name = text.slice(i + 1, j);
        }
        const top = stack[stack.length - 1];
        if (top) {
          if (top.has(name)) dups.add(name);
          top.add(name);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return [...dups];
}
