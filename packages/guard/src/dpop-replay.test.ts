/**
 * The local DPoP replay window on its own, on a clock the test owns: a replay is refused until
 * its expiry, an expired id can be recorded again, a full window drops the oldest first and counts
 * it, and a re-recorded id is not dropped by its own older queue slot. A property test runs random
 * sequences against a plain model (a Map walked from its front, the behaviour the queue replaced).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalReplayWindow } from './dpop-replay.js';

test('a proof id is refused until its expiry and accepted again after it', () => {
  const w = new LocalReplayWindow(100);
  assert.equal(w.add('a', 1000, 0), true);
  assert.equal(w.add('a', 1500, 999), false);
  assert.equal(w.add('a', 2000, 1000), true);
  assert.equal(w.add('a', 2500, 1999), false);
  assert.equal(w.size, 1);
  assert.equal(w.evicted, 0);
});

test('expired entries leave the window as new ones arrive', () => {
  const w = new LocalReplayWindow(100);
  for (let i = 0; i < 50; i++) w.add(`p${i}`, 1000 + i, i);
  assert.equal(w.size, 50);
  w.add('late', 5000, 1025);
  // p0..p25 expired at 1000..1025 and are gone; p26..p49 remain with the new one.
  assert.equal(w.size, 25);
  assert.equal(w.add('p26', 9000, 1025), false);
  assert.equal(w.add('p25', 9000, 1025), true);
  assert.equal(w.evicted, 0);
});

test('a full window drops the oldest live entry first and counts it', () => {
  const w = new LocalReplayWindow(3);
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(w.add(id, 10_000, 0), true);
  assert.equal(w.size, 3);
  assert.equal(w.evicted, 1);
  assert.equal(w.add('b', 10_000, 1), false);
  assert.equal(w.add('d', 10_000, 1), false);
  // 'a' fell out of the full window: only the bound (documented) lets it in again.
  assert.equal(w.add('a', 10_000, 1), true);
  assert.equal(w.evicted, 2);
  assert.equal(w.add('b', 10_000, 1), true);
});

test('an id recorded again after expiry is not dropped by its older queue slot', () => {
  const w = new LocalReplayWindow(10);
  w.add('b', 15, 0);
  w.add('a', 10, 0);
  // a expired; b (still live) keeps a's first slot in the queue while a is recorded again.
  assert.equal(w.add('a', 40, 11), true);
  // b expires and leaves; a's first slot is then at the front, but the map holds a's new record.
  w.add('c', 50, 16);
  assert.equal(w.add('a', 60, 17), false);
  assert.equal(w.size, 2);
});

test('the window stays bounded and correct through a long run (queue compaction)', () => {
  const w = new LocalReplayWindow(500);
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    now += 1;
    assert.equal(w.add(`id${i}`, now + 300, now), true);
    if (i % 97 === 0) assert.equal(w.add(`id${i}`, now + 300, now), false);
  }
  // Exactly the ids of the last 300 ticks are live (each expires 300 ticks after it came).
  assert.equal(w.size, 300);
  assert.equal(w.add('id19999', now + 300, now), false);
  assert.equal(w.add('id19699', now + 300, now), true);
  assert.equal(w.evicted, 0);
});

/** The model: the former implementation, a Map in insertion order walked from its front. */
class ModelWindow {
  readonly seen = new Map<string, number>();
  evicted = 0;
  constructor(private readonly max: number) {}
  add(id: string, exp: number, now: number): boolean {
    const at = this.seen.get(id);
    if (at !== undefined && at > now) return false;
    if (at !== undefined) this.seen.delete(id);
    for (const [k, e] of this.seen) {
      if (e > now && this.seen.size < this.max) break;
      this.seen.delete(k);
      if (e > now) this.evicted++;
    }
    this.seen.set(id, exp);
    return true;
  }
}

test('random sequences: the queue answers exactly as the model does', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 12 }),
          ttl: fc.integer({ min: -2, max: 30 }),
          tick: fc.integer({ min: 0, max: 6 }),
        }),
        { maxLength: 3000 },
      ),
      (max, ops) => {
        const w = new LocalReplayWindow(max);
        const m = new ModelWindow(max);
        let now = 0;
        for (const op of ops) {
          now += op.tick;
          const id = `k${op.id}`;
          assert.equal(w.add(id, now + op.ttl, now), m.add(id, now + op.ttl, now));
          assert.equal(w.size, m.seen.size);
          assert.equal(w.evicted, m.evicted);
        }
      },
    ),
    { numRuns: 300 },
  );
});
