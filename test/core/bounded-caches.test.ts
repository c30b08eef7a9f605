/**
 * The core's process-wide caches are bounded without being emptied by a spray: when full they drop
 * their oldest (or least recently used) entry, so an attacker who makes them see many new keys
 * pushes out only other one-off keys, never the entries in use. (They used to `clear()` when full.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearDiscoveryCache, discover } from '../../src/core/discovery.js';
import { getRemoteJwks, RemoteJwks } from '../../src/core/jwks.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  op.reset();
  clearDiscoveryCache();
});

describe('unknown-kid refetch cooldowns under a kid spray', () => {
  it('a kid sprayed a moment ago is still cooling down after 1000 more kids (no extra JWKS fetch)', async () => {
    let now = 1_000_000;
    // No global cap to speak of, a long per-kid cooldown: every new kid refetches once.
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, refetchCooldownMs: 3_600_000, maxRefetchesPerMinute: 1_000_000 });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    const sprayed = 1002;
    for (let i = 0; i < sprayed; i++) {
      now += 1;
      expect(await jwks.candidates({ alg: 'RS256', kid: `spray-${i}` })).toHaveLength(0);
    }
    const fetches = op.requestsTo('/jwks').length;
    expect(fetches).toBe(1 + sprayed);
    // Recent kids are still within their cooldown: asking again fetches nothing.
    for (const i of [sprayed - 2, sprayed - 10, sprayed - 500]) {
      now += 1;
      await jwks.candidates({ alg: 'RS256', kid: `spray-${i}` });
    }
    expect(op.requestsTo('/jwks').length).toBe(fetches);
  }, 30_000);
});

describe('getRemoteJwks under a jwks_uri spray', () => {
  it('keeps the key set in use while 10x its capacity of other URIs come and go', () => {
    const inUse = `${op.issuer}/jwks?in-use`;
    const original = getRemoteJwks(inUse);
    for (let i = 0; i < 1000; i++) {
      getRemoteJwks(`http://127.0.0.1:9/spray-${i}/jwks`);
      if (i % 20 === 0) expect(getRemoteJwks(inUse)).toBe(original);
    }
    expect(getRemoteJwks(inUse)).toBe(original);
  });

  it('an idle key set does get evicted (the map is bounded)', () => {
    const idle = `${op.issuer}/jwks?idle`;
    const original = getRemoteJwks(idle);
    for (let i = 0; i < 200; i++) getRemoteJwks(`http://127.0.0.1:9/idle-spray-${i}/jwks`);
    expect(getRemoteJwks(idle)).not.toBe(original);
  });
});

describe('discovery cache under a spray of cache keys', () => {
  it('serves the metadata in use from the cache while 1100 other documents are cached', async () => {
    await discover(op.issuer);
    const sprayed = 1100;
    for (let i = 0; i < sprayed; i++) {
      // Each alias set is its own cache entry, fetched once.
      await discover(op.issuer, { hooks: { issuerAliases: [`https://alias-${i}.example`] } });
      if (i % 100 === 0) await discover(op.issuer);
    }
    await discover(op.issuer);
    // One fetch for the document in use, one per sprayed key: the document in use never left the cache.
    expect(op.requestsTo('/.well-known/openid-configuration').length).toBe(1 + sprayed);
  }, 60_000);
});
