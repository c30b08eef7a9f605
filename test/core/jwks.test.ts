import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyTypeForAlg, RemoteJwks } from '../../src/core/jwks.js';
import { ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

const jwksFetches = (): number => op.requestsTo('/jwks').length;

describe('RemoteJwks', () => {
  it('fetches once and serves later lookups from the cache', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
    expect(jwksFetches()).toBe(1);
  });

  it('returns the same CryptoKey object on every hit (keys are imported once)', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const [a] = await jwks.candidates({ alg: 'RS256', kid: op.kid });
    const [b] = await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(a).toBe(b);
  });

  it('refetches at once on an unknown kid, so a rotated key is picked up without waiting', async () => {
    let now = 1_000_000;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    const newKid = await op.rotateKeys();
    now += 1; // no time passes to speak of
    expect(await jwks.candidates({ alg: 'RS256', kid: newKid })).toHaveLength(1);
    expect(jwksFetches()).toBe(2);
  });

  it('rate-limits refetches for the same unknown kid within the cooldown', async () => {
    let now = 1_000_000;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, refetchCooldownMs: 60_000 });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(await jwks.candidates({ alg: 'RS256', kid: 'attacker-1' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'RS256', kid: 'attacker-1' })).toHaveLength(0);
    expect(jwksFetches()).toBe(2);
    now += 61_000;
    await jwks.candidates({ alg: 'RS256', kid: 'attacker-1' });
    expect(jwksFetches()).toBe(3);
  });

  it('caps refetches per minute across kids (kid spraying)', async () => {
    let now = 1_000_000;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, maxRefetchesPerMinute: 3 });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    for (let i = 0; i < 10; i++) await jwks.candidates({ alg: 'RS256', kid: `spray-${i}` });
    expect(jwksFetches()).toBe(1 + 3);
    now += 60_001;
    await jwks.candidates({ alg: 'RS256', kid: 'spray-after' });
    expect(jwksFetches()).toBe(5);
  });

  it('refetches when the cache is older than cacheMaxAgeMs', async () => {
    let now = 0;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, cacheMaxAgeMs: 1000 });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    now = 500;
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(jwksFetches()).toBe(1);
    now = 1501;
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(jwksFetches()).toBe(2);
  });

  it('keeps the last keys when a refresh of the expired set fails, and retries 30 s later', async () => {
    let now = 0;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, cacheMaxAgeMs: 60_000 });
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    op.handlers.set('/jwks', () => new Response('down', { status: 503 }));
    now = 61_000;
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
    now = 70_000;
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
    expect(jwksFetches()).toBe(2);
    now = 92_000;
    await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(jwksFetches()).toBe(3);
    // An unknown kid still needs a working endpoint: the transport error surfaces.
    await expect(jwks.candidates({ alg: 'RS256', kid: 'new-kid' })).rejects.toMatchObject({ code: 'HTTP_PROVIDER_UNAVAILABLE' });
  });

  it('does not refetch for an algorithm no JWKS key can serve', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await jwks.candidates({ alg: 'HS256', kid: 'x' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'none' })).toHaveLength(0);
    expect(jwksFetches()).toBe(1);
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const results = await Promise.all(Array.from({ length: 8 }, () => jwks.candidates({ alg: 'RS256', kid: op.kid })));
    expect(results.every((r) => r.length === 1)).toBe(true);
    expect(jwksFetches()).toBe(1);
  });

  it('without a kid, returns every key of the algorithm type', async () => {
    op.faults.extraJwksKeys = 2;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await jwks.candidates({ alg: 'RS256' })).toHaveLength(3);
    expect(await jwks.candidates({ alg: 'ES256' })).toHaveLength(0);
  });

  it('ignores unusable keys: unknown kty, AKP, broken parameters, use=enc', async () => {
    op.faults.unparseableJwksKeys = true;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await jwks.candidates({ alg: 'RS256' })).toHaveLength(1);
    expect(await jwks.candidates({ alg: 'RS256', kid: 'broken-1' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'RS256', kid: 'enc-1' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
  });

  it('does not offer a key bound to another alg', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    // The published RSA key says alg RS256, so it is no candidate for PS256.
    expect(await jwks.candidates({ alg: 'PS256', kid: op.kid })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'HS256' })).toHaveLength(0);
  });

  it('rejects a document without a keys array (JWKS_INVALID)', async () => {
    op.handlers.set('/jwks', () => Response.json({ nokeys: true }));
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const error = await jwks.candidates({ alg: 'RS256', kid: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('JWKS_INVALID');
  });

  it('getKey resolves the key or throws JWKS_NO_MATCHING_KEY', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await jwks.getKey({ alg: 'RS256', kid: op.kid })).toBeDefined();
    await expect(jwks.getKey({ alg: 'RS256', kid: 'nope' })).rejects.toMatchObject({ code: 'JWKS_NO_MATCHING_KEY' });
  });

  it('cachedCandidates answers synchronously only from a warm, fresh cache', async () => {
    let now = 0;
    const jwks = new RemoteJwks(`${op.issuer}/jwks`, { clock: () => now, cacheMaxAgeMs: 1000 });
    expect(jwks.cachedCandidates({ alg: 'RS256', kid: op.kid })).toBeUndefined();
    const [key] = await jwks.candidates({ alg: 'RS256', kid: op.kid });
    expect(jwks.cachedCandidates({ alg: 'RS256', kid: op.kid })).toEqual([key]);
    expect(jwks.cachedCandidates({ alg: 'RS256', kid: 'unknown' })).toBeUndefined();
    expect(jwks.cachedCandidates({ alg: 'HS256' })).toBeUndefined();
    now = 1001;
    expect(jwks.cachedCandidates({ alg: 'RS256', kid: op.kid })).toBeUndefined();
    expect(jwksFetches()).toBe(1);
  });

  it('maps algorithms to key types', () => {
    expect(keyTypeForAlg('PS384')).toEqual({ kty: 'RSA' });
    expect(keyTypeForAlg('ES512')).toEqual({ kty: 'EC', crv: 'P-521' });
    expect(keyTypeForAlg('HS256')).toBeUndefined();
    expect(keyTypeForAlg('none')).toBeUndefined();
  });
});
