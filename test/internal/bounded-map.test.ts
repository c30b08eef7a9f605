/**
 * The one bounded map every in-process cache uses: capacity is never exceeded however many keys
 * arrive, the oldest entry goes first (insertion or recency order), and expired entries are never
 * answered and go before live ones.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { BoundedMap } from '../../src/internal/bounded-map.js';

describe('BoundedMap capacity', () => {
  it('never holds more than maxEntries under 10x as many distinct inserts, and keeps the newest', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) {
      map.set(`k${i}`, i);
      expect(map.size).toBeLessThanOrEqual(100);
    }
    expect(map.size).toBe(100);
    // The survivors are exactly the last 100 written, oldest first.
    expect([...map.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => `k${900 + i}`));
    expect(map.get('k899')).toBeUndefined();
    expect(map.get('k900')).toBe(900);
  });

  it('stays bounded in recency and expiry modes too', () => {
    let now = 0;
    const lru = new BoundedMap<number, number>({ maxEntries: 10, refreshOnGet: true });
    const expiring = new BoundedMap<number, number>({ maxEntries: 10, expiresAt: (v) => v, clock: () => now });
    for (let i = 0; i < 100; i++) {
      lru.set(i, i);
      lru.get(i % 3);
      expiring.set(i, now + 1_000_000);
      now++;
      expect(lru.size).toBeLessThanOrEqual(10);
      expect(expiring.size).toBeLessThanOrEqual(10);
    }
  });

  it('a spray of new keys evicts one entry per key, never the whole map', () => {
    const map = new BoundedMap<string, string>({ maxEntries: 4 });
    for (const k of ['a', 'b', 'c', 'd']) map.set(k, k);
    map.set('x', 'x');
    expect([...map.keys()]).toEqual(['b', 'c', 'd', 'x']);
  });

  it('overwriting a present key at capacity evicts nothing and makes it the newest', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 3 });
    map.set('a', 1).set('b', 2).set('c', 3);
    map.set('a', 10);
    expect(map.size).toBe(3);
    expect([...map]).toEqual([
      ['b', 2],
      ['c', 3],
      ['a', 10],
    ]);
    map.set('d', 4);
    expect([...map.keys()]).toEqual(['c', 'a', 'd']);
  });

  it('refuses a capacity below 1 or not a number', () => {
    for (const maxEntries of [0, -1, 0.5, Number.NaN]) {
      expect(() => new BoundedMap({ maxEntries })).toThrow(ConfigurationError);
    }
    expect(new BoundedMap({ maxEntries: 1 }).maxEntries).toBe(1);
  });

  it('deletes, clears and reports presence', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 3 });
    map.set('a', 1).set('b', 2);
    expect(map.has('a')).toBe(true);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.has('a')).toBe(false);
    expect([...map.values()]).toEqual([2]);
    expect([...map.entries()]).toEqual([['b', 2]]);
    map.clear();
    expect(map.size).toBe(0);
  });
});

describe('BoundedMap order', () => {
  it('insertion order (default): get does not save an entry from eviction', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 3 });
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.get('a')).toBe(1);
    map.set('d', 4);
    expect(map.has('a')).toBe(false);
    expect([...map.keys()]).toEqual(['b', 'c', 'd']);
  });

  it('recency order: each get makes the entry the newest, so the least recently used goes', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 3, refreshOnGet: true });
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.get('a')).toBe(1);
    expect([...map.keys()]).toEqual(['b', 'c', 'a']);
    map.set('d', 4);
    expect([...map.keys()]).toEqual(['c', 'a', 'd']);
    expect(map.get('b')).toBeUndefined();
  });

  it('recency order: has() and a miss do not refresh', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 2, refreshOnGet: true });
    map.set('a', 1).set('b', 2);
    expect(map.has('a')).toBe(true);
    expect(map.get('zzz')).toBeUndefined();
    map.set('c', 3);
    expect([...map.keys()]).toEqual(['b', 'c']);
  });

  it('recency order: an entry in constant use survives a 10x spray of one-off keys', () => {
    const map = new BoundedMap<string, string>({ maxEntries: 50, refreshOnGet: true });
    map.set('good', 'kept');
    for (let i = 0; i < 500; i++) {
      map.set(`spray${i}`, 'x');
      if (i % 10 === 0) expect(map.get('good')).toBe('kept');
    }
    expect(map.get('good')).toBe('kept');
    expect(map.size).toBe(50);
  });
});

describe('BoundedMap expiry', () => {
  it('get and has answer nothing for an expired entry, and drop it', () => {
    let now = 1000;
    const map = new BoundedMap<string, { until: number }>({ maxEntries: 10, expiresAt: (v) => v.until, clock: () => now });
    map.set('a', { until: 2000 });
    expect(map.get('a')).toEqual({ until: 2000 });
    expect(map.has('a')).toBe(true);
    now = 1999;
    expect(map.has('a')).toBe(true);
    now = 2000; // the expiry instant is already dead
    expect(map.has('a')).toBe(false);
    expect(map.size).toBe(0);
    map.set('b', { until: 3000 });
    now = 3000;
    expect(map.get('b')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('an explicit now overrides the clock', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 10, expiresAt: (v) => v, clock: () => 0 });
    map.set('a', 100, 0);
    expect(map.get('a', 99)).toBe(100);
    expect(map.has('a', 100)).toBe(false);
  });

  it('a full map drops its expired entries before any live one', () => {
    let now = 0;
    const map = new BoundedMap<string, number>({ maxEntries: 3, expiresAt: (v) => v, clock: () => now });
    map.set('old1', 10).set('old2', 10).set('live', 1000);
    now = 50;
    map.set('new', 1000);
    expect([...map.keys()]).toEqual(['live', 'new']);
    // At capacity with nothing expired, the oldest live entry goes.
    map.set('new2', 1000);
    map.set('new3', 1000);
    expect([...map.keys()]).toEqual(['new', 'new2', 'new3']);
  });

  it('every write drops the expired entries at the oldest end, so dead entries do not pile up', () => {
    let now = 0;
    const map = new BoundedMap<number, number>({ maxEntries: 10_000, expiresAt: (v) => v, clock: () => now });
    for (let i = 0; i < 5000; i++) {
      map.set(i, now + 100);
      now++;
    }
    // Only the entries of the last 100 ms (plus the one just written) remain.
    expect(map.size).toBeLessThanOrEqual(101);
  });

  it('expiry works with recency order', () => {
    let now = 0;
    const map = new BoundedMap<string, number>({ maxEntries: 2, refreshOnGet: true, expiresAt: (v) => v, clock: () => now });
    map.set('a', 100).set('b', 100);
    expect(map.get('a')).toBe(100);
    expect([...map.keys()]).toEqual(['b', 'a']);
    now = 100;
    expect(map.get('a')).toBeUndefined();
    expect([...map.keys()]).toEqual(['b']);
  });
});
