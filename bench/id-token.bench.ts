/**
 * ID token validation with a warm JWKS: Latchkey's `validateIdToken` (every OIDC Core 3.1.3.7 check)
 * versus a bare `jose.jwtVerify` with a cached CryptoKey, on the same RS256 token, in one run.
 * Target: Latchkey at least 0.8 of jose.
 */
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { validateIdToken } from '../src/core/id-token.js';
import { RemoteJwks } from '../src/core/jwks.js';
import { compare, table } from './lib.js';

const TARGET = 0.8;

export default async function run(): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const issuer = 'https://op.example';
  const clientId = 'bench-client';
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'alice', nonce: 'bench-nonce', auth_time: now, email: 'alice@example.com' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(issuer)
    .setAudience(clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);

  // An in-process JWKS endpoint (no network): the key set is fetched once, then served from cache.
  const jwks = new RemoteJwks(`${issuer}/jwks`, { http: { fetch: async () => Response.json({ keys: [jwk] }) } });
  const ctx = { metadata: { issuer, jwks_uri: `${issuer}/jwks` }, client: { client_id: clientId }, jwks, expectedNonce: 'bench-nonce' };
  await validateIdToken(token, ctx); // warm: fetch and import once

  // Many short interleaved rounds: on a shared 2-core machine the median of 41 short rounds is far steadier than of 5 long ones.
  const results = await compare(
    [
      { name: 'jose jwtVerify (cached CryptoKey)', fn: () => jwtVerify(token, publicKey) },
      { name: 'latchkey validateIdToken (warm JWKS)', fn: () => validateIdToken(token, ctx) },
    ],
    { rounds: 41, roundMs: 60, warmupMs: 300 },
  );
  const ratio = results[1]!.opsPerSecond / results[0]!.opsPerSecond;

  // A load-independent cross-check: CPU time per operation (Web Crypto's thread pool included),
  // measured in 60 alternating blocks of 50 operations each.
  const cpuMicros = [0, 0];
  const fns = [() => jwtVerify(token, publicKey), () => validateIdToken(token, ctx)];
  for (let block = 0; block < 60; block++) {
    for (let c = 0; c < 2; c++) {
      const before = process.cpuUsage();
      for (let i = 0; i < 50; i++) await fns[c]!();
      const used = process.cpuUsage(before);
      cpuMicros[c]! += (used.user + used.system) / 3000;
    }
  }
  const cpuRatio = cpuMicros[0]! / cpuMicros[1]!;
  return [
    'One RS256 ID token, validated with a warm JWKS (Latchkey: signature plus every OIDC Core 3.1.3.7 claim check) versus `jose.jwtVerify` alone with a cached key.',
    '',
    table(results),
    '',
    `Ratio Latchkey / jose: **${ratio.toFixed(2)}** (target ≥ ${TARGET}): ${ratio >= TARGET ? 'met' : 'NOT met'}.`,
    '',
    `CPU time per validation (load-independent cross-check): jose ${cpuMicros[0]!.toFixed(0)} µs, Latchkey ${cpuMicros[1]!.toFixed(0)} µs, rate ratio ${cpuRatio.toFixed(2)}.`,
  ].join('\n');
}
