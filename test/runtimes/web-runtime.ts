/**
 * What the Bun and Deno legs of the runtime matrix share (`bun.test.ts`, `deno.test.ts`):
 *
 * - {@link installRuntimeApp}: the packed package (`test/package/packed.ts`: `npm pack`, installed
 *   with npm) in a fresh app folder with the files of `apps/`. The runtimes run what users run: the
 *   built JavaScript and its `exports`, not the sources (Deno would need an import map for the
 *   `latchkey/*` names and sloppy imports for the sources' `.js` specifiers of `.ts` files).
 * - {@link fullSignIn}: a sign-in as a browser does it, with a cookie jar, against the app and the
 *   dev IdP (in this Node process): login redirect, the IdP's authorization endpoint and account
 *   chooser, the callback, `/auth/session`, a provider API call through the vault, a refresh once
 *   the access token has expired, and sign-out with the CSRF token.
 * - {@link runIdTokenChecks}: misbehaving OPs (`test/support/misbehaving-op.ts`), one fault each,
 *   and `apps/id-token-checks.ts` run by the runtime against them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { installApp } from '../package/packed.js';
import { type MisbehavingFaults, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { UserAgent } from '../support/user-agent.js';

const run = promisify(execFile);
const apps = join(import.meta.dirname, 'apps');

/** The app files every runtime app folder gets. */
const APP_FILES = ['auth-app.ts', 'bun-server.ts', 'deno-server.ts', 'elysia-server.ts', 'id-token-checks.ts'] as const;

/**
 * Installs the packed package (and `peers`) into `<work>/<name>` with the files of `apps/`.
 *
 * @returns the app folder.
 */
export function installRuntimeApp(work: string, name: string, peers: readonly string[] = []): Promise<string> {
  const files = Object.fromEntries(APP_FILES.map((f) => [f, readFileSync(join(apps, f), 'utf8')]));
  return installApp(work, name, { peers, files });
}

/** Access tokens of the dev IdP live this long in the matrix, so that the test can wait for one to expire. */
export const ACCESS_TOKEN_TTL_SECONDS = 4;

/** What `/token-info` answers. */
interface TokenInfo {
  readonly fingerprint: string;
  readonly expiresAt: number;
}

/** GET with the jar's cookies, as JSON (`accept: application/json`). */
async function getJson(ua: UserAgent, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(url, { headers: { cookie: ua.cookieHeader(url), accept: 'application/json' } });
  const text = await answer.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${url} answered ${answer.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: answer.status, body };
}

/**
 * The full sign-in against the app at `base` and the dev IdP's Google at `issuer`, as Alice; each
 * step asserted. The app must be `apps/auth-app.ts`.
 *
 * @param whileSignedIn - called after the refresh, before the sign-out (to look at a store).
 */
export async function fullSignIn(base: string, issuer: string, whileSignedIn?: () => void | Promise<void>): Promise<void> {
  const ua = new UserAgent();
  // 1. The login route redirects to the IdP's authorization endpoint (code flow, PKCE S256, state, nonce).
  const login = await ua.navigate(`${base}/auth/google/login?returnTo=/me`, { stop: (u) => u.startsWith(issuer) });
  expect(login.stopped, `the login route did not redirect to the IdP (${login.status}): ${login.html}`).toBe(true);
  const authorize = new URL(login.url);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${issuer}/o/oauth2/v2/auth`);
  expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
    response_type: 'code',
    client_id: 'runtime-matrix',
    redirect_uri: `${base}/auth/google/callback`,
    code_challenge_method: 'S256',
    access_type: 'offline',
  });
  for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p), p).toMatch(/^[\w-]{20,}$/);

  // 2. The IdP's account chooser; Alice's button answers with the authorization response.
  const chooser = await ua.navigate(login.url);
  expect(chooser.status, chooser.html).toBe(200);
  const index = UserAgent.parseForms(chooser.html!, chooser.url).findIndex((f) => f.fields.get('action') === 'login');
  expect(index, 'the account chooser has the test users form').toBeGreaterThanOrEqual(0);
  const callback = await ua.submitForm(chooser.html!, chooser.url, {
    index,
    fields: { user: 'alice' },
    stop: (u) => u.startsWith(`${base}/auth/google/callback`),
  });
  expect(callback.stopped, `no callback: ${callback.status} ${callback.html}`).toBe(true);
  const response = new URL(callback.url).searchParams;
  expect(response.get('state')).toBe(authorize.searchParams.get('state'));
  expect(response.get('iss')).toBe(issuer);
  expect(response.get('code')).toBeTruthy();

  // 3. The callback validates, signs in and sends the browser back to returnTo.
  const me = await ua.navigate(callback.url);
  expect(me.url).toBe(`${base}/me`);
  expect(me.status, me.html).toBe(200);
  expect(JSON.parse(me.html!)).toMatchObject({ email: 'alice@example.org', name: 'Alice Example' });
  const session = await getJson(ua, `${base}/auth/session`);
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({ user: { email: 'alice@example.org' }, provider: 'google' });
  const csrfToken = session.body.csrfToken as string;
  expect(csrfToken).toMatch(/^[\w-]{20,}$/);

  // 4. A provider API call with Alice's token, through the vault.
  const userinfo = await getJson(ua, `${base}/userinfo`);
  expect(userinfo.status, JSON.stringify(userinfo.body)).toBe(200);
  expect(userinfo.body).toMatchObject({ email: 'alice@example.org', email_verified: true });

  // 5. Refresh: once the access token has expired, the vault refreshes it (a new token) and the call works.
  const before = (await getJson(ua, `${base}/token-info`)).body as unknown as TokenInfo;
  expect(before.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  expect(before.expiresAt).toBeGreaterThan(Date.now() - ACCESS_TOKEN_TTL_SECONDS * 1000 - 5000);
  await new Promise((r) => setTimeout(r, Math.max(0, before.expiresAt - Date.now()) + 500));
  const again = await getJson(ua, `${base}/userinfo`);
  expect(again.status, JSON.stringify(again.body)).toBe(200);
  expect(again.body).toMatchObject({ email: 'alice@example.org' });
  const after = (await getJson(ua, `${base}/token-info`)).body as unknown as TokenInfo;
  expect(after.fingerprint).not.toBe(before.fingerprint);
  expect(after.expiresAt).toBeGreaterThan(before.expiresAt);

  await whileSignedIn?.();

  // 6. Sign-out: refused without the CSRF token, done with it; then the session is gone.
  const forged = await fetch(`${base}/auth/logout`, {
    method: 'POST',
    headers: { cookie: ua.cookieHeader(`${base}/auth/logout`), origin: base, accept: 'application/json' },
  });
  expect(forged.status).toBe(403);
  expect(await forged.json()).toMatchObject({ code: 'CSRF_FAILED' });
  expect((await getJson(ua, `${base}/auth/session`)).status).toBe(200);
  // The sign-out confirmation page (GET never signs out) carries the session's CSRF token in its form.
  const page = await ua.navigate(`${base}/auth/logout`, { headers: { accept: 'text/html' } });
  expect(page.status, page.html).toBe(200);
  const forms = UserAgent.parseForms(page.html!, page.url);
  const formIndex = forms.findIndex((f) => f.method === 'POST' && new URL(f.action).pathname === '/auth/logout');
  expect(formIndex, page.html).toBeGreaterThanOrEqual(0);
  expect(forms[formIndex]!.fields.get('csrfToken')).toBe(csrfToken);
  expect((await getJson(ua, `${base}/auth/session`)).status).toBe(200);
  const signedOut = await ua.submitForm(page.html!, page.url, {
    index: formIndex,
    headers: { origin: base, accept: 'text/html' },
    stop: (u) => !u.startsWith(`${base}/auth/logout`),
  });
  expect(signedOut.stopped, `the sign-out form answered ${signedOut.status}: ${signedOut.html}`).toBe(true);
  expect(signedOut.url).toBe(`${base}/`);
  expect((await getJson(ua, `${base}/auth/session`)).status).toBe(401);
  expect((await getJson(ua, `${base}/me`)).status).toBe(401);
}

/** One ID-token case: the OP's fault, and what the conformance suite expects of it on Node. */
interface IdTokenCase {
  readonly name: string;
  readonly faults: (op: MisbehavingOp) => Partial<MisbehavingFaults>;
  /** An error code, or `accepted` (a valid token: the flow completes with userinfo). */
  readonly expected: string;
}

/** The cases, each named after its conformance test (`test/conformance/<name>.test.ts`). */
export const ID_TOKEN_CASES: readonly IdTokenCase[] = [
  { name: 'idtoken-sig-rs256', faults: () => ({}), expected: 'accepted' },
  { name: 'valid-aud-as-array', faults: (op) => ({ idTokenClaims: { aud: [op.clientId] } }), expected: 'accepted' },
  { name: 'invalid-sig-rs256', faults: () => ({ signing: 'bad-signature' }), expected: 'JWT_SIGNATURE_INVALID' },
  { name: 'invalid-aud', faults: (op) => ({ idTokenClaims: { aud: `${op.clientId}1` } }), expected: 'ID_TOKEN_AUD_MISMATCH' },
  { name: 'invalid-iss', faults: (op) => ({ idTokenClaims: { iss: `${op.issuer}1` } }), expected: 'ID_TOKEN_ISS_MISMATCH' },
  { name: 'invalid-expired-exp', faults: () => ({ idTokenClaims: { exp: Math.floor(Date.now() / 1000) - 6 * 60 } }), expected: 'ID_TOKEN_EXPIRED' },
  { name: 'nonce-invalid', faults: () => ({ idTokenClaims: { nonce: 'altered-by-the-op' } }), expected: 'ID_TOKEN_NONCE_MISMATCH' },
  { name: 'invalid-missing-nonce', faults: () => ({ idTokenDeleteClaims: ['nonce'] }), expected: 'ID_TOKEN_NONCE_MISMATCH' },
  { name: 'missing-sub', faults: () => ({ idTokenDeleteClaims: ['sub'] }), expected: 'ID_TOKEN_SUB_MISSING' },
  { name: 'iat-in-future', faults: () => ({ idTokenClaims: { iat: Math.floor(Date.now() / 1000) + 3600 } }), expected: 'ID_TOKEN_IAT_INVALID' },
  { name: 'unknown-kid', faults: () => ({ signing: 'unknown-kid' }), expected: 'JWKS_NO_MATCHING_KEY' },
];

/**
 * Starts one misbehaving OP per case, runs `apps/id-token-checks.ts` in the app folder with the
 * runtime, and asserts each outcome: valid tokens accepted (`sub` from the ID token and userinfo),
 * every fault refused with its typed error, and no userinfo request made after a refusal.
 *
 * @param app - the installed app folder.
 * @param runtime - the runtime binary and its arguments before the script.
 */
export async function runIdTokenChecks(app: string, runtime: { readonly command: string; readonly args: readonly string[] }): Promise<void> {
  const ops = await Promise.all(ID_TOKEN_CASES.map(() => startMisbehavingOp()));
  try {
    for (const [i, c] of ID_TOKEN_CASES.entries()) Object.assign(ops[i]!.faults, c.faults(ops[i]!));
    const cases = ID_TOKEN_CASES.map((c, i) => ({ name: c.name, issuer: ops[i]!.issuer, clientId: ops[i]!.clientId, clientSecret: ops[i]!.clientSecret }));
    const { stdout, stderr } = await run(runtime.command, [...runtime.args, 'id-token-checks.ts'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', LATCHKEY_CASES: JSON.stringify(cases), ...runtimeEnv(app) },
      timeout: 120_000,
    });
    const line = /^RESULT (.*)$/m.exec(stdout)?.[1];
    expect(line, `no RESULT line:\n${stdout}\n${stderr}`).toBeDefined();
    const results = JSON.parse(line!) as Record<string, { accepted: boolean; sub?: unknown; userinfoSub?: unknown; code?: string; latchkey?: boolean }>;
    for (const [i, c] of ID_TOKEN_CASES.entries()) {
      const got = results[c.name];
      const op = ops[i]!;
      if (c.expected === 'accepted') {
        expect(got, c.name).toEqual({ accepted: true, sub: op.subject, userinfoSub: op.subject });
      } else {
        expect(got, c.name).toMatchObject({ accepted: false, latchkey: true, code: c.expected });
        // OIDC Core 3.1.3.7: a token that fails validation is not used, so userinfo is never asked.
        expect(op.requestsTo('/userinfo'), c.name).toHaveLength(0);
      }
      expect(op.requestsTo('/token'), c.name).toHaveLength(1);
    }
  } finally {
    await Promise.all(ops.map((op) => op.close()));
  }
}

/**
 * Environment for a runtime process in `app`: Deno's cache inside the app folder (nothing written
 * to the home folder), no update checks.
 */
export function runtimeEnv(app: string): Record<string, string> {
  return { DENO_DIR: join(app, '.deno'), DENO_NO_UPDATE_CHECK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' };
}
