/**
 * Issue 18 item 2: a hostile key set must not burn CPU per token. Each hostile JWKS is served by
 * the misbehaving OP over real HTTP; verification must be refused with a typed error, fast (the
 * committed code spent seconds per token on these sets), and a normal set must keep working.
 */
import { createPrivateKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { JWKS_DEFAULTS, RemoteJwks } from '../../src/core/jwks.js';
import { verifyJwt } from '../../src/core/jwt.js';
import { LatchkeyError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

/**
 * Far below the seconds the committed code spent, and far above what a refusal costs. Measured as
 * this process's CPU time (main thread and libuv pool, where RSA and EC verification run; the
 * OP serving the set runs in this process too), which other work on a shared machine does not
 * inflate; wall time gets a looser bound that still catches a hang or a slow path.
 */
const FAST_MS = 200;
const WALL_MS = 1500;

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
/** A random unsigned integer of exactly `bits` bits (odd when asked), base64url. */
function bigUint(bits: number, odd = false): string {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0] = bytes[0]! | 0x80;
  if (odd) bytes[bytes.length - 1] = bytes[bytes.length - 1]! | 1;
  return b64u(bytes);
}
const claims = { iss: 'x', sub: 'alice' };
const jwksUri = (): string => `${op.issuer}/jwks`;
const fetches = (): number => op.requestsTo('/jwks').length;

/** Verifies `jwt` against a fresh key set; returns the error code (or 'accepted') and the time taken. */
async function timedVerify(jwt: string, alg: string, jwks = new RemoteJwks(jwksUri())): Promise<{ code: string; ms: number; wallMs: number; error?: unknown }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const took = () => {
    const used = process.cpuUsage(cpu);
    return { ms: (used.user + used.system) / 1000, wallMs: performance.now() - start };
  };
  try {
    await verifyJwt(jwt, { jwks, allowedAlgs: [alg] });
    return { code: 'accepted', ...took() };
  } catch (error) {
    return { code: error instanceof LatchkeyError ? error.code : `untyped ${(error as Error).name}`, ...took(), error };
  }
}

describe('hostile key sets are refused quickly with a typed error', () => {
  it('700 RSA keys with 3072-bit moduli and 3072-bit exponents (kid-less token): JWKS_LIMIT_EXCEEDED', async () => {
    op.faults.hostileJwksKeys = Array.from({ length: 700 }, () => ({ kty: 'RSA', n: bigUint(3072), e: bigUint(3072, true) }));
    // The attacker's token: no kid and a 3072-bit signature, so each key costs a full modular exponentiation.
    const jwt = forgedToken({ alg: 'RS256' }, 384);
    const { code, ms, wallMs } = await timedVerify(jwt, 'RS256');
    expect(code).toBe('JWKS_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
  });

  it('8,000 EC P-256 keys (kid-less ES256 token): JWKS_LIMIT_EXCEEDED', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const { kty, crv, x, y } = await exportJWK(publicKey);
    op.faults.signing = 'es256';
    op.faults.corruptSignature = true; // no key verifies: the committed code tried all 8,001
    op.faults.hostileJwksKeys = Array.from({ length: 8000 }, () => ({ kty, crv, x, y }));
    const jwt = await op.signIdToken(claims, { kid: undefined });
    const { code, ms, wallMs } = await timedVerify(jwt, 'ES256');
    expect(code).toBe('JWKS_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
  });

  it('one RSA key with a 4096-bit public exponent refuses the set, even for a token naming a good key', async () => {
    op.faults.hostileJwksKeys = [{ kty: 'RSA', kid: 'huge-e', n: bigUint(2048), e: bigUint(4096, true) }];
    const { code, ms, wallMs } = await timedVerify(await op.signIdToken(claims), 'RS256');
    expect(code).toBe('JWKS_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
    // Just above the limit (2^32 + 1, odd) is refused too.
    op.faults.hostileJwksKeys = [{ kty: 'RSA', kid: 'e-2^32+1', n: bigUint(2048), e: b64u(Buffer.from([1, 0, 0, 0, 1])) }];
    expect((await timedVerify(await op.signIdToken(claims), 'RS256')).code).toBe('JWKS_LIMIT_EXCEEDED');
  });

  it('one RSA key with a 16384-bit modulus refuses the set', async () => {
    op.faults.hostileJwksKeys = [{ kty: 'RSA', kid: 'huge-n', n: bigUint(16_384), e: 'AQAB' }];
    const { code, ms, wallMs } = await timedVerify(await op.signIdToken(claims), 'RS256');
    expect(code).toBe('JWKS_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
  });

  it('a kid-less token that more than maxCandidates keys could verify is refused before any is tried', async () => {
    // 99 keys + the signing key: within maxKeys, each at the modulus and exponent limits.
    op.faults.hostileJwksKeys = Array.from({ length: JWKS_DEFAULTS.maxKeys - 1 }, () => ({
      kty: 'RSA',
      n: bigUint(8192),
      e: b64u(Buffer.from([0xff, 0xff, 0xff, 0xff])),
    }));
    const { code, ms, wallMs } = await timedVerify(forgedToken({ alg: 'RS256' }, 1024), 'RS256');
    expect(code).toBe('JWKS_TOO_MANY_CANDIDATES');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
  });

  it('a kid repeated on more than maxCandidates keys is refused the same way', async () => {
    op.faults.hostileJwksKeys = Array.from({ length: 10 }, () => ({ kty: 'RSA', kid: op.kid, n: bigUint(2048), e: 'AQAB' }));
    expect((await timedVerify(await op.signIdToken(claims), 'RS256')).code).toBe('JWKS_TOO_MANY_CANDIDATES');
  });

  it('a member nested 100,000 deep is never recursed into: the key set loads and the token verifies', async () => {
    const jwk = JSON.stringify({ kty: 'RSA', kid: op.kid, use: 'sig', alg: 'RS256', n: (await publicJwkOfOp()).n, e: 'AQAB' });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    op.faults.jwksBody = `{"keys":[${jwk.slice(0, -1)},"x5c":${deep},"ext":{"a":${deep}}}]}`;
    const { code, ms, wallMs, error } = await timedVerify(await op.signIdToken(claims), 'RS256');
    expect(error).toBeUndefined();
    expect(code).toBe('accepted');
    expect(ms).toBeLessThan(FAST_MS);
    expect(wallMs).toBeLessThan(WALL_MS);
  });

  it('a public member nested deep makes that key unusable, not the process throw: JWKS_NO_MATCHING_KEY, typed', async () => {
    op.faults.jwksBody = `{"keys":[{"kty":"RSA","kid":"${op.kid}","e":"AQAB","n":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
    const { code } = await timedVerify(await op.signIdToken(claims), 'RS256');
    expect(code).toBe('JWKS_NO_MATCHING_KEY');
  });

  it('a "keys" member nested deep is JWKS_INVALID, typed', async () => {
    op.faults.jwksBody = `{"keys":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect((await timedVerify(await op.signIdToken(claims), 'RS256')).code).toBe('JWKS_INVALID');
  });
});

describe('keys too weak to use are ignored, like unparseable ones (RFC 7517 §5)', () => {
  it('a 1024-bit RSA key (RFC 7518 §3.3 requires 2048) verifies nothing; the set still serves its good key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const small = { ...publicKey.export({ format: 'jwk' }), kid: 'small-1', alg: 'RS256', use: 'sig' };
    op.faults.hostileJwksKeys = [small];
    const jwks = new RemoteJwks(jwksUri());
    expect(
      (await timedVerify(signRs256({ alg: 'RS256', kid: 'small-1' }, claims, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string), 'RS256', jwks))
        .code,
    ).toBe('JWKS_NO_MATCHING_KEY');
    expect((await timedVerify(await op.signIdToken(claims), 'RS256', jwks)).code).toBe('accepted');
  });

  it('an even or tiny exponent makes the key unusable, not the set', async () => {
    op.faults.hostileJwksKeys = [
      { kty: 'RSA', kid: 'even-e', n: bigUint(2048), e: 'AQAA' },
      { kty: 'RSA', kid: 'e-1', n: bigUint(2048), e: 'AQ' },
    ];
    const jwks = new RemoteJwks(jwksUri());
    expect(await jwks.candidates({ alg: 'RS256', kid: 'even-e' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'RS256', kid: 'e-1' })).toHaveLength(0);
    expect(await jwks.candidates({ alg: 'RS256', kid: op.kid })).toHaveLength(1);
  });
});

describe('a key set that failed to load is not refetched on every token', () => {
  it('replays the failure until failedLoadRetryMs has passed, then fetches once more', async () => {
    let now = 1_000_000;
    op.faults.hostileJwksKeys = Array.from({ length: JWKS_DEFAULTS.maxKeys + 1 }, () => ({ kty: 'RSA', n: bigUint(2048), e: 'AQAB' }));
    const jwks = new RemoteJwks(jwksUri(), { clock: () => now });
    const jwt = await op.signIdToken(claims);
    for (let i = 0; i < 20; i++) expect((await timedVerify(jwt, 'RS256', jwks)).code).toBe('JWKS_LIMIT_EXCEEDED');
    expect(fetches()).toBe(1);
    now += JWKS_DEFAULTS.failedLoadRetryMs + 1;
    op.faults.hostileJwksKeys = [];
    expect((await timedVerify(jwt, 'RS256', jwks)).code).toBe('accepted');
    expect(fetches()).toBe(2);
  });

  it('a hostile set published after a good one keeps the good keys; refetches stay within the kid budget', async () => {
    let now = 1_000_000;
    const jwks = new RemoteJwks(jwksUri(), { clock: () => now });
    const jwt = await op.signIdToken(claims);
    expect((await timedVerify(jwt, 'RS256', jwks)).code).toBe('accepted');
    op.faults.hostileJwksKeys = Array.from({ length: 700 }, () => ({ kty: 'RSA', n: bigUint(3072), e: bigUint(3072, true) }));
    now += 1;
    expect((await timedVerify(await op.signIdToken(claims, { kid: 'rotated?' }), 'RS256', jwks)).code).toBe('JWKS_LIMIT_EXCEEDED');
    for (let i = 0; i < 5; i++) expect((await timedVerify(await op.signIdToken(claims, { kid: 'rotated?' }), 'RS256', jwks)).code).toBe('JWKS_NO_MATCHING_KEY');
    expect((await timedVerify(jwt, 'RS256', jwks)).code).toBe('accepted');
    expect(fetches()).toBe(2);
  });
});

/** A token anyone can forge (e.g. POST to the back-channel logout route): any header, a random signature. */
function forgedToken(header: Record<string, unknown>, signatureBytes: number): string {
  return `${b64u(Buffer.from(JSON.stringify(header)))}.${b64u(Buffer.from(JSON.stringify(claims)))}.${b64u(randomBytes(signatureBytes))}`;
}

describe('the limits can be changed, within reason', () => {
  it('OidcClient keySetLimits: a set of 8 keys is refused with maxKeys 4, accepted by default', async () => {
    op.faults.hostileJwksKeys = Array.from({ length: 7 }, (_, i) => ({ kty: 'RSA', kid: `spare-${i}`, n: bigUint(2048), e: 'AQAB' }));
    const base = { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' };
    const strict = await OidcClient.create({ ...base, keySetLimits: { maxKeys: 4 } });
    expect((await timedVerify(await op.signIdToken(claims), 'RS256', strict.jwks)).code).toBe('JWKS_LIMIT_EXCEEDED');
    const normal = await OidcClient.create(base);
    expect((await timedVerify(await op.signIdToken(claims), 'RS256', normal.jwks)).code).toBe('accepted');
  });

  it('refuses nonsense limits with CONFIG_INVALID', () => {
    for (const limits of [{ maxKeys: 0 }, { maxCandidates: Number.NaN }, { maxRsaModulusBits: 1024 }, { failedLoadRetryMs: -1 }]) {
      expect(() => new RemoteJwks(jwksUri(), limits)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});

async function publicJwkOfOp(): Promise<{ n: string }> {
  const res = await fetch(jwksUri());
  const body = (await res.json()) as { keys: { kid?: string; n: string }[] };
  return body.keys.find((k) => k.kid === op.kid)!;
}

function signRs256(header: Record<string, unknown>, payload: Record<string, unknown>, pem: string): string {
  const input = `${b64u(Buffer.from(JSON.stringify(header)))}.${b64u(Buffer.from(JSON.stringify(payload)))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(createPrivateKey(pem));
  return `${input}.${b64u(signature)}`;
}
