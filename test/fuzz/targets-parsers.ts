/**
 * Fuzz targets of the app layer's own parsers: the `Cookie` header, sealed cookie values,
 * `returnTo`, and the callback's query or form parameters. Pure functions, no server.
 */
import fc from 'fast-check';
import { readCookie, readCookiesWithPrefix } from '../../src/app/cookies.js';
import { screenRequest } from '../../src/app/edge.js';
import { MAX_RETURN_TO_LENGTH, safeReturnTo } from '../../src/app/return-to.js';
import { readForm } from '../../src/app/routes/form.js';
import { Keyring } from '../../src/app/seal.js';
import { UsedStates, validateAuthorizationResponse } from '../../src/core/authorization-response.js';
import type { AuthorizationTransaction, ServerMetadata } from '../../src/core/types.js';
import { anyString, type FuzzTarget, hostileString, invariant, outcome, typedOnly, watchBoundedMaps } from './support.js';

const NAME = 'lk-session';

/** The pairs of a `Cookie` header as RFC 6265bis §5.4 sends them: `name=value` joined by `; `. */
function referencePairs(header: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    out.push({ name: part.slice(0, eq).replace(/^ +/, ''), value: part.slice(eq + 1) });
  }
  return out;
}

const cookieName = fc.constantFrom(NAME, `x${NAME}`, `${NAME}x`, ` ${NAME}`, `${NAME} `, 'lk-tx-abc', 'lk-tx-', 'a', '', '__Host-lk-session', 'lk-sess');
const cookieValue = fc.oneof(hostileString(12), fc.constantFrom('', 'v', ' v ', 'a=b', `${NAME}=inner`, '"q"'));
const cookieHeader = fc.oneof(
  fc
    .array(fc.record({ name: cookieName, value: cookieValue, sep: fc.constantFrom('; ', ';', ' ; ', ';;', '; ; ', ',') }), { maxLength: 6 })
    .map((pairs) => pairs.map((p, i) => `${i === 0 ? '' : p.sep}${p.name}=${p.value}`).join('')),
  anyString(60),
);

/** The `Cookie` header: `readCookie` and `readCookiesWithPrefix`. */
export const cookieTarget: FuzzTarget = {
  name: 'cookie-header',
  invariants: [
    'readCookie and readCookiesWithPrefix never throw',
    'a value readCookie returns is the value of a pair with exactly that name (trailing spaces aside)',
    'when the first pair of that exact name has a value, readCookie returns it, not a later one',
  ],
  quickRuns: 3000,
  async start() {
    let accepted = 0;
    return {
      accepted: () => accepted,
      property: fc.property(cookieHeader, (header) => {
        const got = readCookie(header, NAME);
        const pairs = referencePairs(header);
        if (got !== undefined) {
          accepted++;
          invariant(
            pairs.some((p) => p.name === NAME && p.value.replace(/ +$/, '') === got),
            `readCookie returned ${JSON.stringify(got)} which no "${NAME}" pair of ${JSON.stringify(header)} holds`,
          );
        }
        const first = pairs.find((p) => p.name === NAME);
        if (first && first.value.replace(/ +$/, '') !== '')
          invariant(got === first.value.replace(/ +$/, ''), `readCookie skipped the first pair of ${JSON.stringify(header)}`);
        for (const c of readCookiesWithPrefix(header, 'lk-tx-')) invariant(c.name.startsWith('lk-tx-'), 'prefix read returned another cookie');
      }) as never,
    };
  },
};

/** Sealed cookie values: `Keyring.open` on arbitrary and on mutated sealed strings. */
export const sealTarget: FuzzTarget = {
  name: 'sealed-cookie',
  invariants: [
    'Keyring.open never throws, whatever the string',
    'a sealed value opens only as sealed, for its purpose: any other string (a changed character, padding, a cut) opens to nothing',
  ],
  quickRuns: 1500,
  async start() {
    let accepted = 0;
    const keyring = await Keyring.create(['fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz']);
    const sealed = await keyring.seal('session', { sid: 'abc', v: 1 });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutated = fc
      .record({
        at: fc.nat({ max: sealed.length }),
        cut: fc.nat({ max: 3 }),
        insert: fc.string({ maxLength: 3, unit: fc.constantFrom(...alphabet) }),
      })
      .map(({ at, cut, insert }) => sealed.slice(0, at) + insert + sealed.slice(at + cut));
    // One character replaced, most often in the last characters of a part (where base64url's spare bits are).
    const ends = [sealed.indexOf('.') - 1, sealed.lastIndexOf('.') - 1, sealed.length - 1];
    const replaced = fc
      .record({ at: fc.oneof(fc.nat({ max: sealed.length - 1 }), fc.constantFrom(...ends)), c: fc.constantFrom(...alphabet) })
      .map(({ at, c }) => sealed.slice(0, at) + c + sealed.slice(at + 1));
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(
        fc.oneof(mutated, replaced, anyString(80)),
        fc.constantFrom('session', 'transaction', 'csrf') as fc.Arbitrary<'session' | 'transaction' | 'csrf'>,
        async (value, purpose) => {
          let opened: unknown;
          try {
            opened = await keyring.open(purpose, value);
          } catch (error) {
            typedOnly(error);
            throw error;
          }
          if (opened !== undefined) accepted++;
          if (value === sealed && purpose === 'session') invariant(opened !== undefined, 'the sealed value did not open');
          else invariant(opened === undefined, `${JSON.stringify(value)} opened as ${purpose} although only ${JSON.stringify(sealed)} was sealed`);
        },
      ) as never,
    };
  },
};

const ORIGIN = 'https://app.example';
const APP_ORIGINS = ['http://localhost:5173', 'https://spa.example.com'];

/** Percent-decodes every `%XX` (one pass), leaving malformed escapes as they are. */
function decodeAll(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

const returnToValue = fc.oneof(
  hostileString(30).map((s) => `/${s}`),
  hostileString(30),
  fc.constantFrom(...APP_ORIGINS, ORIGIN).chain((o) => hostileString(20).map((s) => `${o}${s}`)),
  fc.string({ maxLength: 600 }).map((s) => `/${s}`),
);

/** `returnTo`: `safeReturnTo`, compared with the browser's WHATWG URL resolution. */
export const returnToTarget: FuzzTarget = {
  name: 'return-to',
  invariants: [
    'only SessionError RETURN_TO_INVALID escapes',
    'an accepted value resolves (WHATWG URL, as the browser does) to the app origin or a listed app origin, both as given and as emitted',
    'the emitted form still stays on that origin after up to three more rounds of percent-decoding (a proxy or app that decodes again)',
    'the emitted form is printable ASCII, at most 512 characters, and a fixed point (checking it again returns it)',
  ],
  quickRuns: 3000,
  async start() {
    let accepted = 0;
    return {
      accepted: () => accepted,
      property: fc.property(returnToValue, fc.boolean(), (value, withApps) => {
        const apps = withApps ? APP_ORIGINS : [];
        let emitted: string;
        try {
          emitted = safeReturnTo(value, ORIGIN, apps);
        } catch (error) {
          typedOnly(error, ['RETURN_TO_INVALID']);
          return;
        }
        accepted++;
        const allowed = [ORIGIN, ...apps];
        const landsOn = (s: string, base: string): string => {
          try {
            return new URL(s, base).origin;
          } catch {
            return 'unparseable';
          }
        };
        const base = apps.find((o) => emitted.startsWith(`${o}/`)) ?? ORIGIN;
        invariant(allowed.includes(landsOn(value, base)), `accepted ${JSON.stringify(value)} resolves to ${landsOn(value, base)}`);
        invariant(allowed.includes(landsOn(emitted, base)), `emitted ${JSON.stringify(emitted)} resolves to ${landsOn(emitted, base)}`);
        let again = emitted;
        for (let round = 0; round < 3; round++) {
          again = decodeAll(again);
          invariant(allowed.includes(landsOn(again, base)), `emitted ${JSON.stringify(emitted)} decodes to ${JSON.stringify(again)}, off the origin`);
        }
        invariant(/^[\x21-\x7e]*$/.test(emitted) && emitted.length <= MAX_RETURN_TO_LENGTH, `emitted ${JSON.stringify(emitted)} is not short printable ASCII`);
        invariant(safeReturnTo(emitted, ORIGIN, apps) === emitted, `emitted ${JSON.stringify(emitted)} is not a fixed point`);
      }) as never,
    };
  },
};

const METADATA = Object.freeze({
  issuer: 'https://op.example',
  authorization_endpoint: 'https://op.example/a',
  token_endpoint: 'https://op.example/t',
}) as ServerMetadata;
const TRANSACTION: AuthorizationTransaction = {
  state: 'state-0123456789',
  nonce: 'n',
  codeVerifier: 'v',
  redirectUri: 'https://app.example/auth/op/callback',
  issuer: 'https://op.example',
  scope: ['openid'],
  createdAt: 0,
} as unknown as AuthorizationTransaction;

const paramName = fc.constantFrom('state', 'code', 'iss', 'error', 'error_description', 'error_uri', 'session_state', 'x', '', 'State', 'code ');
const paramValue = fc.oneof(fc.constantFrom('state-0123456789', 'https://op.example', 'c0de', ''), anyString(16));
const validPairs: [string, string][] = [
  ['code', 'c0de'],
  ['state', 'state-0123456789'],
  ['iss', 'https://op.example'],
];
const formBody = fc.oneof(
  fc
    .tuple(fc.shuffledSubarray(validPairs), fc.array(fc.tuple(paramName, paramValue), { maxLength: 2 }))
    .map(([pairs, extra]) => new URLSearchParams([...pairs, ...extra]).toString()),
  fc.array(fc.tuple(paramName, paramValue), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc
    .tuple(fc.array(fc.tuple(paramName, paramValue), { maxLength: 6 }), fc.constantFrom('&', ';', '&&'))
    .map(([pairs, sep]) => pairs.map(([k, v]) => `${k}=${v}`).join(sep)),
  anyString(80),
);

/** Form and query bodies: the edge screen, `readForm`, and the callback parameters of `validateAuthorizationResponse`. */
export const callbackParamsTarget: FuzzTarget = {
  name: 'form-and-callback-params',
  invariants: [
    'screenRequest, readForm and validateAuthorizationResponse throw only typed Latchkey errors',
    'an accepted callback had exactly one state, equal to the transaction, at most one of each parameter, an iss (when sent) equal to the issuer, no error, and a non-empty code',
    'the used-state memory stays within its bound',
  ],
  quickRuns: 2000,
  async start() {
    let accepted = 0;
    const maps = watchBoundedMaps();
    const used = new UsedStates({ max: 50 });
    let clock = 0;
    return {
      accepted: () => accepted,
      property: fc.asyncProperty(
        formBody,
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
          'text/plain',
          '',
          'APPLICATION/X-WWW-FORM-URLENCODED',
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'post', 'OPTIONS'),
        fc.oneof(
          fc.constantFrom('/auth/op/callback', '/auth/session', '/auth/', '/auth/op/backchannel-logout', '/auth//callback'),
          hostileString(20).map((s) => `/auth/${s}`),
        ),
        fc.oneof(fc.constant(null), fc.constantFrom('0', '65536', '65537', '99999999999999999999', '-1', ' 1 ', 'abc')),
        fc.boolean(),
        async (body, type, method, path, length, useMemory) => {
          await outcome(() => screenRequest('/auth', method, path, length));
          const request = new Request('https://app.example/auth/op/callback', { method: 'POST', headers: type ? { 'content-type': type } : {} });
          const form = await outcome(() => readForm(request, body));
          const params = form.ok ? form.value : new URLSearchParams(body);
          clock += 1000;
          const result = await outcome(() =>
            validateAuthorizationResponse(METADATA, params, TRANSACTION, useMemory ? { usedStates: new UsedStates({ max: 50 }), clock: () => clock } : {}),
          );
          if (result.ok) {
            accepted++;
            const keys = [...params.keys()];
            invariant(new Set(keys).size === keys.length, 'a repeated parameter was accepted');
            invariant(params.get('state') === TRANSACTION.state, 'another state was accepted');
            invariant(params.get('error') === null, 'an error response was accepted as a code');
            invariant(params.get('iss') === null || params.get('iss') === METADATA.issuer, 'another iss was accepted');
            invariant(result.value.code === params.get('code') && result.value.code.length > 0, 'the code is not the one sent');
          }
          used.consume(`s${clock}`, clock);
          maps.check();
        },
      ) as never,
      async close() {
        maps.restore();
      },
    };
  },
};
