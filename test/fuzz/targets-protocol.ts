/**
 * Fuzz targets of the provider's answers: discovery documents, token responses and userinfo
 * responses, each fed to the real client code (`discover`, `authorizationCodeGrant`,
 * `fetchUserinfo`) with fuzzed status, content type and body. `server`: the misbehaving test OP on
 * 127.0.0.1 serves them (one handler override per input); `in-process`: a `fetch` builds the same
 * answers without a socket, for the long run's counts.
 */
import fc from 'fast-check';
import { clearDiscoveryCache, discover } from '../../src/core/discovery.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import { authorizationCodeGrant } from '../../src/core/token-request.js';
import type { AuthorizationTransaction, ClientMetadata, ServerMetadata } from '../../src/core/types.js';
import { fetchUserinfo } from '../../src/core/userinfo.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { anyString, type FuzzTarget, invariant, nearly, outcome } from './support.js';

/** A provider answer: status, content type and body. */
interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

const jsonValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** An answer whose JSON body is an object of `members` (or, sometimes, anything). */
function answerArb(members: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Answer> {
  const body = fc.oneof(
    { weight: 8, arbitrary: members.map((m) => JSON.stringify(m)) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('', '[]', 'null', '{', '{"a":1}{', '<html>hi</html>', '\ufeff{}'), anyString(40)) },
    { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/jwt',
        'text/html',
        'text/plain',
        'application/problem+json',
        '',
        'application/json, text/html',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const status = fc.oneof(
    { weight: 8, arbitrary: fc.constant(200) },
    { weight: 2, arbitrary: fc.constantFrom(201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 503, 599) },
  );
  return fc.record({ status, contentType, body });
}

function toResponse(a: Answer): Response {
  const noBody = a.status === 204 || a.status === 304;
  return new Response(noBody ? null : a.body, { status: a.status, headers: a.contentType === undefined ? {} : { 'content-type': a.contentType } });
}

type Transport = 'server' | 'in-process';

/** The misbehaving OP, or a stand-in issuer whose answers an in-process `fetch` builds. */
interface Provider {
  readonly issuer: string;
  /** The `fetch` for the client code (the global one for the server). */
  readonly fetch: typeof fetch;
  /** Serves `answer` (built per request) at `path` from now on. */
  serve(path: string, answer: () => Response | Promise<Response>): void;
  readonly op?: MisbehavingOp;
  close(): Promise<void>;
}

async function provider(transport: Transport): Promise<Provider> {
  if (transport === 'server') {
    const op = await startMisbehavingOp();
    return {
      issuer: op.issuer,
      fetch: globalThis.fetch,
      op,
      serve: (path, answer) => op.handlers.set(path, answer),
      close: () => op.close(),
    };
  }
  const issuer = 'http://127.0.0.1:9';
  const routes = new Map<string, () => Response | Promise<Response>>();
  return {
    issuer,
    fetch: (async (input: RequestInfo | URL) => {
      const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
      const route = routes.get(path);
      return route ? route() : new Response('{"error":"not_found"}', { status: 404, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
    serve: (path, answer) => routes.set(path, answer),
    close: async () => {},
  };
}

const URL_MEMBERS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'end_session_endpoint',
  'revocation_endpoint',
  'pushed_authorization_request_endpoint',
];

function discoveryMembers(issuer: string): fc.Arbitrary<Record<string, unknown>> {
  const url = fc.oneof(
    fc.constantFrom(
      `${issuer}/token`,
      `${issuer}/a`,
      'https://op.example/x',
      'http://evil.example/x',
      'http://10.0.0.1/x',
      'https://user:pw@op.example/x',
      'http://0x7f000001/x',
      'javascript:alert(1)',
      '/relative',
      '',
      'https://[::1]/x',
    ),
    jsonValue,
  );
  return nearly(
    {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
    },
    {
      issuer: fc.oneof(fc.constantFrom(issuer, `${issuer}/`, issuer.toUpperCase(), `${issuer}/other`, 'https://evil.example', ''), jsonValue),
      authorization_endpoint: url,
      token_endpoint: url,
      userinfo_endpoint: url,
      jwks_uri: url,
      end_session_endpoint: url,
      response_types_supported: fc.oneof(fc.constant(['code']), jsonValue),
      code_challenge_methods_supported: fc.oneof(fc.constant(['S256']), jsonValue),
      authorization_response_iss_parameter_supported: fc.oneof(fc.boolean(), jsonValue),
      backchannel_logout_supported: fc.oneof(fc.boolean(), jsonValue),
      id_token_signing_alg_values_supported: fc.oneof(fc.constant(['RS256', 'none']), jsonValue),
      __proto__: fc.constant({ polluted: true }),
    },
    3,
  );
}

/** Discovery documents: `discover` with fuzzed answers at the well-known URLs. */
export function discoveryTarget(transport: Transport): FuzzTarget {
  return {
    name: `discovery-document (${transport})`,
    invariants: [
      'discover rejects only with typed Latchkey errors',
      'accepted metadata names exactly the configured issuer (OIDC Discovery 1.0 §4.3), and every endpoint member is an absolute http(s) URL, https unless on loopback, with no credentials',
      'a non-2xx answer, a non-JSON content type or body is never accepted',
    ],
    quickRuns: transport === 'server' ? 200 : 600,
    async start() {
      let accepted = 0;
      const p = await provider(transport);
      const arb = fc.tuple(answerArb(discoveryMembers(p.issuer)), fc.option(answerArb(discoveryMembers(p.issuer)), { nil: undefined }));
      return {
        accepted: () => accepted,
        property: fc.asyncProperty(arb, async ([oidc, rfc8414]) => {
          clearDiscoveryCache();
          p.serve('/.well-known/openid-configuration', () => toResponse(oidc));
          p.serve('/.well-known/oauth-authorization-server', () => toResponse(rfc8414 ?? { status: 404, contentType: 'application/json', body: '{}' }));
          const result = await outcome(() => discover(p.issuer, { http: { fetch: p.fetch, timeoutMs: 5000 } }));
          if (!result.ok) return;
          accepted++;
          const m = result.value as unknown as Record<string, unknown>;
          invariant(m.issuer === p.issuer, `accepted issuer ${JSON.stringify(m.issuer)} for ${p.issuer}`);
          const served = oidc.status === 200 ? oidc : rfc8414;
          invariant(
            served !== undefined && served.status === 200 && (served.contentType ?? '').toLowerCase().includes('json'),
            'accepted a non-2xx or non-JSON answer',
          );
          for (const member of URL_MEMBERS) {
            const v = m[member];
            if (v === undefined) continue;
            invariant(typeof v === 'string', `${member} is not a string`);
            const u = new URL(v);
            invariant(
              u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)),
              `accepted ${member} ${v}`,
            );
            invariant(u.username === '' && u.password === '', `accepted credentials in ${member}`);
          }
        }) as never,
        close: () => p.close(),
      };
    },
  };
}

const CLIENT_ID = 'client';
const CLIENT_SECRET = 'fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz';

function metadataOf(issuer: string): ServerMetadata {
  return Object.freeze({ issuer, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo`, jwks_uri: `${issuer}/jwks` }) as ServerMetadata;
}

/** Token responses: `authorizationCodeGrant` with fuzzed token endpoint answers (ID tokens signed by the OP, or not). */
export function tokenResponseTarget(transport: Transport): FuzzTarget {
  return {
    name: `token-response (${transport})`,
    invariants: [
      'authorizationCodeGrant rejects only with typed Latchkey errors',
      'accepted tokens come from a 200 JSON object with a non-empty access_token of VSCHAR (%x20-7E), token_type Bearer (any case), a finite non-negative expires_in (if any) capped at one year, string refresh_token, scope and id_token',
      'with openid requested, an accepted response carries an ID token whose iss, aud, nonce and sub are right (OIDC Core 3.1.3.7)',
    ],
    quickRuns: transport === 'server' ? 200 : 600,
    async start() {
      let accepted = 0;
      const p = await provider('server' === transport ? 'server' : 'in-process');
      // ID tokens are signed by a real OP key in either transport: the server OP's own keys.
      const op = p.op ?? (await startMisbehavingOp());
      const metadata = { ...metadataOf(p.issuer), jwks_uri: `${op.issuer}/jwks` } as ServerMetadata;
      const jwks = new RemoteJwks(`${op.issuer}/jwks`, { http: {} });
      const client: ClientMetadata = { client_id: op.clientId, client_secret: op.clientSecret };
      const now = Math.floor(Date.now() / 1000);
      const validId = { iss: metadata.issuer, aud: op.clientId, sub: 'alice', nonce: 'nonce-1', exp: now + 300, iat: now };
      const idClaims = nearly(validId, {
        iss: fc.constantFrom(metadata.issuer, 'https://evil.example'),
        aud: fc.constantFrom(op.clientId, 'other', [op.clientId, 'other']),
        sub: fc.constantFrom('alice', ''),
        nonce: fc.constantFrom('nonce-1', 'nonce-2'),
        exp: fc.constantFrom(now + 300, now - 300),
        iat: fc.constantFrom(now, now + 3600),
      });
      const tokenMembers = nearly(
        { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-1', scope: 'openid', id_token: validId },
        {
          access_token: fc.oneof(fc.constantFrom('at-1', ' ', 'a\nb', 'é', 'a b'), jsonValue),
          token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'DPoP', 'mac', ''), jsonValue),
          expires_in: fc.oneof(fc.constantFrom(3600, 0, -1, 1e308, 1.5, '3600'), jsonValue),
          refresh_token: fc.oneof(fc.constantFrom('rt-1', '', ' ', 'r\u0000t'), jsonValue),
          scope: fc.oneof(fc.constantFrom('openid', 'openid  email', ''), jsonValue),
          id_token: fc.oneof(idClaims, fc.constantFrom('a.b.c', ''), jsonValue),
        },
        3,
      );
      const transaction = {
        state: 's',
        nonce: 'nonce-1',
        codeVerifier: 'verifier-0123456789-0123456789-0123456789-01234',
        issuer: metadata.issuer,
        redirectUri: 'http://127.0.0.1:9/cb',
        scope: ['openid'],
      } as unknown as AuthorizationTransaction;
      return {
        accepted: () => accepted,
        property: fc.asyncProperty(answerArb(tokenMembers), async (answer) => {
          // An id_token given as claims is signed by the OP's key now.
          let body = answer.body;
          const parsed = (() => {
            try {
              return JSON.parse(body) as Record<string, unknown>;
            } catch {
              return undefined;
            }
          })();
          if (parsed && typeof parsed === 'object' && parsed.id_token && typeof parsed.id_token === 'object' && !Array.isArray(parsed.id_token)) {
            parsed.id_token = await op.signIdToken(parsed.id_token as Record<string, unknown>);
            body = JSON.stringify(parsed);
          }
          p.serve('/token', () => toResponse({ ...answer, body }));
          const result = await outcome(() =>
            authorizationCodeGrant(metadata, client, 'code-1', transaction, { http: { fetch: p.fetch, timeoutMs: 5000 }, jwks }),
          );
          if (!result.ok) return;
          accepted++;
          const raw = JSON.parse(body) as Record<string, unknown>;
          // RFC 6749 §5.1: application/json (a `+json` structured syntax suffix, RFC 6838 §4.2.8, is JSON too).
          const type = (answer.contentType ?? '').toLowerCase().split(';')[0]!.trim();
          invariant(
            answer.status === 200 && (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))),
            'accepted a non-200 or non-JSON answer',
          );
          invariant(
            typeof raw.access_token === 'string' && /^[\x20-\x7e]+$/.test(raw.access_token) && raw.access_token.trim() !== '',
            'accepted a bad access_token',
          );
          invariant(typeof raw.token_type === 'string' && raw.token_type.toLowerCase() === 'bearer', `accepted token_type ${JSON.stringify(raw.token_type)}`);
          const ttl = raw.expires_in;
          invariant(ttl === undefined || (typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0), `accepted expires_in ${JSON.stringify(ttl)}`);
          const tokens = result.value as unknown as { expiresAt?: number; idTokenClaims?: Record<string, unknown> };
          if (tokens.expiresAt !== undefined)
            invariant(Number.isFinite(tokens.expiresAt) && tokens.expiresAt <= Date.now() + 366 * 86400_000, 'expiresAt past a year');
          const c = tokens.idTokenClaims;
          invariant(c !== undefined, 'accepted a response without an ID token');
          invariant(c.iss === metadata.issuer && c.nonce === 'nonce-1' && typeof c.sub === 'string' && c.sub !== '', 'accepted a wrong ID token');
        }) as never,
        async close() {
          await p.close();
          if (!p.op) await op.close();
        },
      };
    },
  };
}

/** Userinfo responses: `fetchUserinfo` with fuzzed answers. */
export function userinfoTarget(transport: Transport): FuzzTarget {
  return {
    name: `userinfo-response (${transport})`,
    invariants: [
      'fetchUserinfo rejects only with typed Latchkey errors',
      'accepted claims come from a 200 JSON object (no JWT without a registered signing alg) whose sub equals the ID token sub exactly (OIDC Core 5.3.2)',
    ],
    quickRuns: transport === 'server' ? 200 : 600,
    async start() {
      let accepted = 0;
      const p = await provider(transport);
      const metadata = metadataOf(p.issuer);
      const client: ClientMetadata = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
      const members = nearly(
        { sub: 'alice', email: 'a@example.com', name: 'Alice' },
        {
          sub: fc.oneof(fc.constantFrom('alice', 'Alice', 'alice ', '', 'bob'), jsonValue),
          email: jsonValue,
          name: jsonValue,
          error: fc.constantFrom('invalid_token', ''),
        },
      );
      return {
        accepted: () => accepted,
        property: fc.asyncProperty(answerArb(members), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), async (answer, challenge) => {
          p.serve('/userinfo', () => {
            const r = toResponse(answer);
            if (challenge !== undefined) r.headers.set('www-authenticate', `Bearer ${challenge}`);
            return r;
          });
          const result = await outcome(() =>
            fetchUserinfo(metadata, client, 'access-token-1', { expectedSubject: 'alice', http: { fetch: p.fetch, timeoutMs: 5000 } }),
          );
          if (!result.ok) return;
          accepted++;
          invariant(answer.status === 200, `accepted status ${answer.status}`);
          invariant((answer.contentType ?? '').toLowerCase().includes('json'), `accepted content type ${answer.contentType}`);
          invariant(result.value.sub === 'alice', `accepted sub ${JSON.stringify(result.value.sub)}`);
        }) as never,
        close: () => p.close(),
      };
    },
  };
}
