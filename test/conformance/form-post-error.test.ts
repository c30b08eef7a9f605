/**
 * Conformance module `oidcc-client-test-form-post-error` (old `rp-response_mode-form_post-error`):
 * with `response_mode=form_post`, `prompt=none` and `max_age=0` and no session, the OP posts a
 * `login_required` error as an HTML form; the RP consumes the POSTed error and surfaces it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ProviderError } from '../../src/errors.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-form-post-error-0123456789';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] }],
  });
});
afterAll(async () => {
  await op?.close();
});

it('surfaces the POSTed login_required error as AUTHORIZATION_ERROR after checking state and iss, with no token request', async () => {
  const paths: string[] = [];
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: REDIRECT,
    http: {
      fetch: (input, init) => {
        paths.push(new URL(String(input)).pathname);
        return globalThis.fetch(input, init);
      },
    },
  });
  const { url, transaction } = await client.authorizationUrl({ responseMode: 'form_post', prompt: 'none', maxAge: 0 });
  const posted = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT), autoSubmitForms: true });
  expect(posted).toMatchObject({ stopped: true, method: 'POST' });
  expect(posted.body!.get('error')).toBe('login_required');
  expect(posted.body!.get('state')).toBe(transaction.state);
  expect(posted.body!.get('iss')).toBe(op.issuer);
  const error = await client.callback(posted.body!, transaction).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toMatchObject({ code: 'AUTHORIZATION_ERROR', error: 'login_required' });
  expect((error as ProviderError).error_description).toBeTypeOf('string');
  expect(paths).not.toContain('/token');
});
