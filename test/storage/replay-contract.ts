/**
 * The `ReplayStore` contract every backend runs (issue 14): through two store instances (two
 * connections, as two app instances have), the first to record a value wins, also among 20 at
 * once; an expired value can be recorded again; a revocation keeps its latest instant and expires.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { base64url, randomToken, sha256 } from '../../src/internal/encoding.js';
import type { ReplayStore } from '../../src/storage/types.js';
import { describeWithServices } from '../support/env.js';

/** Two views of one shared store (two connections), and how to close them. */
export type Pair = { a: ReplayStore; b: ReplayStore; close: () => Promise<void> };

const hash = async (s: string): Promise<string> => base64url(await sha256(s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the contract against `open()`.
 *
 * @param name - the backend, in the suite's name.
 * @param open - two views of one store.
 * @param needs - the services it needs (skipped loudly without them).
 */
export function replayContract(name: string, open: () => Promise<Pair>, needs: readonly ('postgres' | 'mysql' | 'redis')[] = []): void {
  describeWithServices(needs, `ReplayStore contract: ${name}`, () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await open();
    }, 30_000);
    afterAll(async () => {
      await pair?.close();
    });

    it('records a value once: the second instance is refused; scopes are apart', async () => {
      const key = await hash(randomToken());
      const until = Date.now() + 60_000;
      expect(await pair.a.remember('state', key, until)).toBe(true);
      expect(await pair.b.remember('state', key, until)).toBe(false);
      expect(await pair.a.remember('state', key, until)).toBe(false);
      expect(await pair.b.remember('logout-jti', key, until)).toBe(true);
    });

    it('of 20 instances recording one value at once, exactly one wins', async () => {
      const key = await hash(randomToken());
      const until = Date.now() + 60_000;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? pair.a : pair.b).remember('state', key, until)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it('a revocation keeps its latest instant, whichever instance wrote last; none is null', async () => {
      const [s1, s2, s3] = await Promise.all([hash(randomToken()), hash(randomToken()), hash(randomToken())]);
      const until = Date.now() + 60_000;
      expect(await pair.b.revokedAt([s1, s2])).toBeNull();
      await pair.a.revoke(s1, 1_000, until);
      expect(await pair.b.revokedAt([s2, s1])).toBe(1_000);
      await pair.b.revoke(s1, 3_000, until);
      await pair.a.revoke(s1, 2_000, until);
      expect(await pair.a.revokedAt([s1])).toBe(3_000);
      await pair.a.revoke(s3, 5_000, until);
      expect(await pair.b.revokedAt([s1, s2, s3])).toBe(5_000);
      expect(await pair.b.revokedAt([])).toBeNull();
    });

    it('an expired value can be recorded again; an expired revocation is gone', async () => {
      const key = await hash(randomToken());
      const selector = await hash(randomToken());
      const soon = Date.now() + 1_200;
      expect(await pair.a.remember('state', key, soon)).toBe(true);
      await pair.a.revoke(selector, 1_000, soon);
      expect(await pair.b.remember('state', key, soon)).toBe(false);
      expect(await pair.b.revokedAt([selector])).toBe(1_000);
      await sleep(1_400);
      expect(await pair.b.remember('state', key, Date.now() + 60_000)).toBe(true);
      expect(await pair.a.remember('state', key, Date.now() + 60_000)).toBe(false);
      expect(await pair.a.revokedAt([selector])).toBeNull();
    });
  });
}
