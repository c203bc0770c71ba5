/**
 * Imported CryptoKeys, cached per caller key object: a JWK object or a CryptoKey is prepared
 * (checked and imported) once per use, then reused. The cache is a WeakMap keyed by the caller's
 * own object, so an entry lives exactly as long as that object does, and each object holds at
 * most a few entries (one per algorithm and use). Byte arrays are never cached: a buffer can be
 * refilled with another secret. Failures are not cached.
 */

const MAX_SLOTS_PER_KEY = 8;
const cache = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * `make()` once per (`owner`, `slot`); later calls get the same promise. `slot` names what was
 * made (algorithm, use, policy), never secret material.
 */
export function cachedFor<T>(owner: object, slot: string, make: () => Promise<T>): Promise<T> {
  let slots = cache.get(owner);
  if (slots === undefined) {
    slots = new Map();
    cache.set(owner, slots);
  }
  const hit = slots.get(slot);
  if (hit !== undefined) return hit as Promise<T>;
  const made = new Promise<T>((resolve) => resolve(make()));
  if (slots.size >= MAX_SLOTS_PER_KEY) slots.delete(slots.keys().next().value!);
  slots.set(slot, made);
  const held = slots;
  made.catch(() => {
    if (held.get(slot) === made) held.delete(slot);
  });
  return made;
}

/** The part of a cache slot that a key policy decides (the checks it relaxes). */
export function policySlot(
  policy: { allowWeakSecret?: boolean; allowInsecureKeySize?: boolean } | undefined,
): string {
  return `${policy?.allowWeakSecret === true ? 'w' : '-'}${policy?.allowInsecureKeySize === true ? 'i' : '-'}`;
}
