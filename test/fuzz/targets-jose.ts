/**
 * Fuzz targets of the JOSE layer: compact JWS and their headers (`verifyJwt`), ID token claims
 * (`validateIdToken`), back-channel logout tokens (`validateLogoutToken`) and JWK Sets
 * (`RemoteJwks`). Tokens are signed here with Web Crypto over whatever header the fuzzer chose
 * (jose would refuse to sign many of them), so hostile headers carry real signatures; the key set
 * is served by an in-process `fetch`, as a provider would serve it.
 */
import fc from 'fast-check';
import { compactVerify, exportJWK, generateKeyPair, type JWK } from 'jose';
import { validateLogoutToken } from '../../src/core/backchannel-logout.js';
import { validateIdToken } from '../../src/core/id-token.js';
import { JWKS_DEFAULTS, RemoteJwks } from '../../src/core/jwks.js';
import { verifyJwt } from '../../src/core/jwt.js';
import type { ClientMetadata, ServerMetadata } from '../../src/core/types.js';
import { base64url, utf8 } from '../../src/internal/encoding.js';
import { anyString, type FuzzTarget, invariant, nearly, outcome, watchBoundedMaps } from './support.js';

const ISSUER = 'https://op.example';
const CLIENT_ID = 'rp';
const CLIENT_SECRET = 'fuzz-client-secret-0123456789abcdefghijklmnop';
const NOW_S = 1_700_000_000;
const clock = (): number => NOW_S * 1000;
const JWKS_URI = 'https://op.example/jwks';

/** The keys tokens are signed with, and the JWKS that publishes the asymmetric ones. */
interface Keys {
  readonly rsa: CryptoKeyPair;
  readonly ec: CryptoKeyPair;
  readonly hmac: CryptoKey;
  readonly publicJwks: JWK[];
}

async function makeKeys(): Promise<Keys> {
  const rsa = (await generateKeyPair('RS256', { extractable: true })) as CryptoKeyPair;
  const ec = (await generateKeyPair('ES256', { extractable: true })) as CryptoKeyPair;
  const hmac = await crypto.subtle.importKey('raw', utf8(CLIENT_SECRET) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const publicJwks = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' },
  ];
  return { rsa, ec, hmac, publicJwks };
}

/** A `fetch` that answers the JWKS URI with `body()` (and nothing else). */
function jwksFetch(body: () => string): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url !== JWKS_URI) return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } });
    return new Response(body(), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

type SignWith = 'match' | 'rsa' | 'ec' | 'hmac' | 'empty' | 'garbage';

/** A compact JWS over `header` and `payload`, signed with the chosen key whatever the header says. */
async function sign(keys: Keys, header: unknown, payload: unknown, signWith: SignWith): Promise<string> {
  const input = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(typeof payload === 'string' ? payload : JSON.stringify(payload)))}`;
  const data = utf8(input) as Uint8Array<ArrayBuffer>;
  if (signWith === 'match') {
    const alg = (header as { alg?: unknown } | null)?.alg;
    signWith = alg === 'ES256' ? 'ec' : alg === 'HS256' ? 'hmac' : alg === 'none' ? 'empty' : 'rsa';
  }
  let sig: Uint8Array;
  if (signWith === 'rsa') sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.rsa.privateKey, data));
  else if (signWith === 'ec') sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.ec.privateKey, data));
  else if (signWith === 'hmac') sig = new Uint8Array(await crypto.subtle.sign('HMAC', keys.hmac, data));
  else if (signWith === 'empty') return `${input}.`;
  else sig = utf8('not-a-signature');
  return `${input}.${base64url(sig)}`;
}

/** Whether an independent verification (jose, with the key the alg names) accepts the token. */
async function reallySigned(keys: Keys, token: string, alg: string): Promise<boolean> {
  const key = alg === 'RS256' ? keys.rsa.publicKey : alg === 'ES256' ? keys.ec.publicKey : alg === 'HS256' ? utf8(CLIENT_SECRET) : undefined;
  if (!key) return false;
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

const jsonish = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));
const headerArb = nearly(
  { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' },
  {
    alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'None', 'RS384', 'PS256', 'EdDSA', 'rs256', '', 'RS256 '), jsonish),
    kid: fc.oneof(fc.constantFrom('rsa-1', 'ec-1', 'other', '', 'rsa-1 '), jsonish),
    typ: fc.oneof(fc.constantFrom('JWT', 'jwt', 'application/jwt', 'logout+jwt', 'application/logout+jwt', 'at+jwt', 'JOSE'), jsonish),
    crit: fc.oneof(fc.constant(['exp']), fc.constant([]), jsonish),
    jku: fc.constant('https://evil.example/jwks'),
    jwk: fc.constant({ kty: 'oct', k: 'AAAA' }),
    x5u: fc.constant('https://evil.example/x5u'),
    b64: fc.boolean(),
  },
  3,
);
const payloadArb = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom('iss', 'sub', 'aud', 'exp', 'iat', 'x'), jsonish, { maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.constant({ sub: 'alice' }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('[]', 'null', '1', '"s"', '{', ''), anyString(10)) },
);
const signWithArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<SignWith>('match') },
  { weight: 2, arbitrary: fc.constantFrom<SignWith>('rsa', 'ec', 'hmac', 'empty', 'garbage') },
);
const allowedArb = fc.constantFrom(['RS256'], ['ES256'], ['HS256'], ['RS256', 'ES256'], ['RS256', 'none']);

/** Compact JWS and JOSE headers: `verifyJwt`. */
export const jwtTarget: FuzzTarget = {
  name: 'jwt-jose-header',
  invariants: [
    'verifyJwt throws only typed Latchkey errors, whatever the token and its header',
    'an accepted token has a header alg in the allowed list, no crit, and a signature an independent jose verification accepts with the key that alg names (alg none only when listed, with an empty signature)',
    'the header cache and key caches stay within their bounds',
  ],
  quickRuns: 800,
  async start() {
    let accepted = 0;
    const keys = await makeKeys();
    const maps = watchBoundedMaps();
    const jwks = new RemoteJwks(JWKS_URI, { http: { fetch: jwksFetch(() => JSON.stringify({ keys: keys.publicJwks })) }, clock });
    const tokenArb = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(headerArb, payloadArb, signWithArb) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          anyString(60),
          fc.array(anyString(8), { minLength: 1, maxLength: 6 }).map((p) => p.join('.')),
        ),
      },
    );
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(tokenArb, allowedArb, async (spec, allowedAlgs) => {
        const token = typeof spec === 'string' ? spec : await sign(keys, spec[0], spec[1], spec[2]);
        const result = await outcome(() => verifyJwt(token, { jwks, clientSecret: CLIENT_SECRET, allowedAlgs }));
        maps.check();
        if (!result.ok) return;
        accepted++;
        const { header } = result.value;
        invariant(
          typeof header.alg === 'string' && (allowedAlgs as readonly string[]).includes(header.alg),
          `accepted alg ${JSON.stringify(header.alg)} outside ${allowedAlgs}`,
        );
        invariant(header.crit === undefined, 'accepted a crit header');
        if (header.alg === 'none') invariant(token.endsWith('.'), 'accepted alg none with a signature');
        else invariant(await reallySigned(keys, token, header.alg), `accepted a ${header.alg} token that jose does not verify`);
      }) as never,
      async close() {
        maps.restore();
      },
    };
  },
};

const CLIENT: ClientMetadata = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, additional_audiences: ['trusted'] };
const METADATA: ServerMetadata = Object.freeze({ issuer: ISSUER, jwks_uri: JWKS_URI }) as ServerMetadata;
const time = fc.oneof(
  fc.constantFrom(NOW_S, NOW_S + 60, NOW_S - 29, NOW_S - 31, NOW_S + 29, NOW_S + 31, NOW_S - 3600, 1e308, -1e308, 0, NOW_S + 0.5),
  fc.constantFrom('1700000000', null, true, [NOW_S]),
  fc.integer({ min: NOW_S - 100, max: NOW_S + 100 }),
);
const claimChanges = {
  iss: fc.oneof(fc.constantFrom(ISSUER, `${ISSUER}/`, 'https://evil.example', 'https://OP.example', ''), jsonish),
  aud: fc.oneof(fc.constantFrom(CLIENT_ID, [CLIENT_ID], [CLIENT_ID, 'trusted'], [CLIENT_ID, 'other'], 'other', [], ['trusted'], [CLIENT_ID, 5]), jsonish),
  azp: fc.oneof(fc.constantFrom(CLIENT_ID, 'other'), jsonish),
  exp: time,
  iat: time,
  nbf: time,
  nonce: fc.oneof(fc.constantFrom('n-0123', 'n-0124', ''), jsonish),
  sub: fc.oneof(fc.constantFrom('alice', ''), jsonish),
  sid: fc.oneof(fc.constantFrom('sid-1', ''), jsonish),
  jti: fc.oneof(fc.constantFrom('jti-1', 'jti-2', ''), jsonish),
  auth_time: time,
  events: fc.oneof(
    fc.constantFrom(
      { 'http://schemas.openid.net/event/backchannel-logout': {} },
      { 'http://schemas.openid.net/event/backchannel-logout': [] },
      { 'http://schemas.openid.net/event/backchannel-logout': null },
      { other: {} },
      [],
    ),
    jsonish,
  ),
};
const base = { iss: ISSUER, aud: CLIENT_ID, exp: NOW_S + 300, iat: NOW_S, sub: 'alice' };
const idClaimsArb = nearly({ ...base, nonce: 'n-0123', auth_time: NOW_S - 10 }, claimChanges, 3);
const logoutClaimsArb = nearly({ ...base, jti: 'jti-1', sid: 'sid-1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, claimChanges, 3);
const typedHeader = nearly(
  { alg: 'RS256', kid: 'rsa-1' },
  {
    alg: fc.constantFrom('RS256', 'ES256', 'HS256', 'none'),
    kid: fc.constantFrom('rsa-1', 'ec-1', 'other'),
    typ: fc.oneof(fc.constantFrom('JWT', 'logout+jwt', 'application/logout+jwt', 'at+jwt', 'LOGOUT+JWT'), jsonish),
  },
) as fc.Arbitrary<{ alg: string; kid?: string; typ?: unknown }>;

/** What every accepted token's claims must satisfy (OIDC Core 3.1.3.7, Back-Channel Logout 1.0 §2.6). */
function checkCommonClaims(p: Record<string, unknown>, what: string): void {
  invariant(p.iss === ISSUER, `accepted ${what} iss ${JSON.stringify(p.iss)}`);
  const aud = typeof p.aud === 'string' ? [p.aud] : (p.aud as unknown[]);
  invariant(
    Array.isArray(aud) && aud.includes(CLIENT_ID) && aud.every((a) => a === CLIENT_ID || a === 'trusted'),
    `accepted ${what} aud ${JSON.stringify(p.aud)}`,
  );
  invariant(typeof p.exp === 'number' && Number.isFinite(p.exp) && p.exp > NOW_S - 30, `accepted ${what} exp ${JSON.stringify(p.exp)}`);
  invariant(typeof p.iat === 'number' && Number.isFinite(p.iat) && p.iat <= NOW_S + 30, `accepted ${what} iat ${JSON.stringify(p.iat)}`);
}

/** ID token claims: `validateIdToken` with well-signed tokens of fuzzed claims. */
export const idTokenTarget: FuzzTarget = {
  name: 'id-token',
  invariants: [
    'validateIdToken throws only typed Latchkey errors',
    'an accepted ID token has alg RS256, iss equal to the issuer, an aud containing the client and only trusted others, azp absent or the client, a finite exp in the future and iat not in the future (30 s tolerance), nbf absent or passed, the nonce sent, a non-empty string sub, a numeric auth_time within max_age, and a typ absent or JWT',
  ],
  quickRuns: 800,
  async start() {
    let accepted = 0;
    const keys = await makeKeys();
    const jwks = new RemoteJwks(JWKS_URI, { http: { fetch: jwksFetch(() => JSON.stringify({ keys: keys.publicJwks })) }, clock });
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(typedHeader, idClaimsArb, signWithArb, fc.boolean(), async (header, claims, signWith, maxAge) => {
        const token = await sign(keys, header, claims, signWith);
        const result = await outcome(() =>
          validateIdToken(token, { metadata: METADATA, client: CLIENT, jwks, clock, expectedNonce: 'n-0123', ...(maxAge ? { maxAge: 60 } : {}) }),
        );
        if (!result.ok) return;
        accepted++;
        const p = result.value as unknown as Record<string, unknown>;
        invariant(header.alg === 'RS256' && (await reallySigned(keys, token, 'RS256')), `accepted an ID token with alg ${header.alg}`);
        invariant(
          header.typ === undefined ||
            String(header.typ)
              .toLowerCase()
              .replace(/^application\//, '') === 'jwt',
          `accepted typ ${JSON.stringify(header.typ)}`,
        );
        checkCommonClaims(p, 'ID token');
        invariant(p.azp === undefined || p.azp === CLIENT_ID, 'accepted another azp');
        invariant(p.nbf === undefined || (typeof p.nbf === 'number' && p.nbf <= NOW_S + 30), `accepted nbf ${JSON.stringify(p.nbf)}`);
        invariant(p.nonce === 'n-0123', 'accepted another nonce');
        invariant(typeof p.sub === 'string' && p.sub.length > 0, 'accepted an empty sub');
        invariant(p.auth_time === undefined || typeof p.auth_time === 'number', 'accepted a non-numeric auth_time');
        if (maxAge)
          invariant(typeof p.auth_time === 'number' && p.auth_time + 60 >= NOW_S - 30, `accepted auth_time ${JSON.stringify(p.auth_time)} beyond max_age`);
      }) as never,
    };
  },
};

/** Back-channel logout tokens: `validateLogoutToken` with well-signed tokens of fuzzed claims. */
export const logoutTokenTarget: FuzzTarget = {
  name: 'backchannel-logout-token',
  invariants: [
    'validateLogoutToken throws only typed Latchkey errors',
    'an accepted logout token is RS256 (never none), has a typ absent, JWT or logout+jwt, iss, aud, iat and exp as for ID tokens, a non-empty jti seen for the first time, a non-empty sub or sid (each a string when present), an events object whose back-channel-logout member is an object, and no nonce',
  ],
  quickRuns: 800,
  async start() {
    let accepted = 0;
    const keys = await makeKeys();
    const jwks = new RemoteJwks(JWKS_URI, { http: { fetch: jwksFetch(() => JSON.stringify({ keys: keys.publicJwks })) }, clock });
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(typedHeader, logoutClaimsArb, signWithArb, async (header, claims, signWith) => {
        const token = await sign(keys, header, claims, signWith);
        const seen = new Set<string>(['jti-2']);
        const seenJti = (jti: string): boolean => {
          const was = seen.has(jti);
          seen.add(jti);
          return was;
        };
        const result = await outcome(() => validateLogoutToken(token, { metadata: METADATA, client: CLIENT, jwks, clock, seenJti }));
        if (!result.ok) return;
        accepted++;
        const p = result.value as unknown as Record<string, unknown>;
        invariant(header.alg === 'RS256' && (await reallySigned(keys, token, 'RS256')), `accepted a logout token with alg ${header.alg}`);
        const typ =
          header.typ === undefined
            ? 'jwt'
            : String(header.typ)
                .toLowerCase()
                .replace(/^application\//, '');
        invariant(typ === 'jwt' || typ === 'logout+jwt', `accepted typ ${JSON.stringify(header.typ)}`);
        checkCommonClaims(p, 'logout token');
        invariant(typeof p.jti === 'string' && p.jti !== '' && p.jti !== 'jti-2', `accepted jti ${JSON.stringify(p.jti)} (empty or replayed)`);
        invariant((typeof p.sub === 'string' && p.sub !== '') || (typeof p.sid === 'string' && p.sid !== ''), 'accepted no sub and no sid');
        invariant(p.sub === undefined || typeof p.sub === 'string', 'accepted a non-string sub');
        invariant(p.sid === undefined || typeof p.sid === 'string', 'accepted a non-string sid');
        const event = (p.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout'];
        invariant(typeof event === 'object' && event !== null && !Array.isArray(event), 'accepted events without the logout member object');
        invariant(p.nonce === undefined, 'accepted a nonce');
      }) as never,
    };
  },
};

/** A JWK Set member: a real public key with members changed, or something else altogether. */
function jwkArb(real: readonly JWK[]): fc.Arbitrary<unknown> {
  const mutated = fc
    .tuple(
      fc.constantFrom(...real),
      fc.dictionary(
        fc.constantFrom('kty', 'kid', 'alg', 'use', 'key_ops', 'n', 'e', 'crv', 'x', 'y', 'd', 'k'),
        fc.oneof(
          fc.constantFrom(
            'RSA',
            'EC',
            'OKP',
            'oct',
            'AKP',
            'sig',
            'enc',
            'RS256',
            'ES256',
            'P-256',
            'P-384',
            'Ed25519',
            'rsa-1',
            'AQAB',
            'AAAA',
            '____',
            '',
            'AQAAAAAB',
          ),
          fc.constantFrom(['verify'], ['sign'], ['verify', 'verify'], []),
          fc.string({ maxLength: 3000, unit: fc.constantFrom('A', 'B', '_', '-', '/', '=') }),
          jsonish,
        ),
        { maxKeys: 3 },
      ),
    )
    .map(([jwk, changes]) => ({ ...jwk, ...changes }));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: fc.constantFrom(...real) }, { weight: 1, arbitrary: jsonish });
}

/** JWK Sets served by the provider: `RemoteJwks` parsing and key selection. */
export const jwksTarget: FuzzTarget = {
  name: 'jwks',
  invariants: [
    'RemoteJwks throws only typed Latchkey errors, whatever the key set',
    `a header gets at most ${JWKS_DEFAULTS.maxCandidates} candidate keys, each of the algorithm's key type, none with private material`,
    'a token signed by the published RSA key verifies with a candidate only when the set holds that key (same n, e, kid, kty, alg)',
  ],
  quickRuns: 400,
  async start() {
    let accepted = 0;
    const keys = await makeKeys();
    const signed = await sign(keys, { alg: 'RS256', kid: 'rsa-1' }, { sub: 'a' }, 'rsa');
    const bodyArb = fc.oneof(
      { weight: 6, arbitrary: fc.array(jwkArb(keys.publicJwks), { maxLength: 8 }).map((k) => JSON.stringify({ keys: k })) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('{"keys":{}}', '{"keys":null}', '[]', '{}', '{"keys":[', '"x"'), anyString(30)) },
      { weight: 1, arbitrary: fc.nat({ max: 150 }).map((n) => JSON.stringify({ keys: Array.from({ length: n }, () => keys.publicJwks[0]) })) },
    );
    const selector = fc.record({
      alg: fc.constantFrom('RS256', 'ES256', 'PS256', 'EdDSA', 'HS256', 'none'),
      kid: fc.option(fc.constantFrom('rsa-1', 'ec-1', 'x'), { nil: undefined }),
    });
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(bodyArb, selector, async (body, header) => {
        const jwks = new RemoteJwks(JWKS_URI, { http: { fetch: jwksFetch(() => body) }, clock });
        const result = await outcome(() => jwks.candidates(header));
        if (!result.ok) return;
        accepted++;
        invariant(result.value.length <= JWKS_DEFAULTS.maxCandidates, `${result.value.length} candidates`);
        const family = header.alg.startsWith('RS') || header.alg.startsWith('PS') ? 'RSA' : header.alg.startsWith('ES') ? 'ECDSA' : 'Ed';
        for (const key of result.value) {
          invariant(key.type === 'public', 'a candidate key is not a public key');
          invariant(key.algorithm.name.includes(family.slice(0, 2)), `a ${key.algorithm.name} key for ${header.alg}`);
        }
        if (header.alg === 'RS256' && header.kid === 'rsa-1') {
          let verified = false;
          for (const key of result.value) {
            try {
              await compactVerify(signed, key, { algorithms: ['RS256'] });
              verified = true;
            } catch {}
          }
          const parsed = JSON.parse(body) as { keys: Record<string, unknown>[] };
          const real = keys.publicJwks[0]!;
          const holdsReal = parsed.keys.some(
            (k) => k && k.n === real.n && k.e === real.e && k.kid === 'rsa-1' && k.kty === 'RSA' && (k.alg === undefined || k.alg === 'RS256'),
          );
          if (verified) invariant(holdsReal, 'a token verified with a key the set does not hold');
        }
      }) as never,
    };
  },
};
