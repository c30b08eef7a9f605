/**
 * Red team, provider side: a hostile provider (or an internal service that echoes its input) must
 * not get a credential into an error message, an error's JSON or the error page.
 *
 * - A token endpoint whose `error_description` echoes the request (form and Authorization header)
 *   made the ProviderError message quote the client secret, the code and the PKCE verifier (and,
 *   on refresh, the refresh token); the app showed that message to the end user.
 * - An `access_token` with a CR/LF or NUL passed the token response checks; the next request that
 *   carried it failed inside fetch, whose message quotes the header value, so the token ended up in
 *   a `HTTP_REQUEST_FAILED` message. RFC 6749 Appendix A.12/A.17: tokens are 1*VSCHAR.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ProviderError, TransportError, ValidationError } from '../../src/errors.js';
import { authorizeAt, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
/** Contains characters that are encoded differently in a form body (RFC 6749 §2.3.1). */
const SECRET = 'hunter2-client-secret/with+chars=and spaces-0123456789';
beforeAll(async () => {
  op = await startMisbehavingOp({ clientSecret: SECRET });
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

async function client(method: 'client_secret_basic' | 'client_secret_post'): Promise<OidcClient> {
  return OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: SECRET,
    tokenEndpointAuthMethod: method,
    redirectUri: 'http://127.0.0.1:9/cb',
  });
}

/** Everything a caller could print or serialize from an error. */
function printed(error: unknown): string {
  const e = error as ProviderError;
  return [e.message, JSON.stringify(e), e.error_description ?? '', String(e)].join('\n');
}

for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
  it(`an error_description echoing the token request never shows the secret, code or verifier (${method})`, async () => {
    const rp = await client(method);
    const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
    const params = await authorizeAt(url);
    op.faults.tokenResponse = { status: 400, error: 'invalid_request', echoRequest: true };
    const error = await rp.callback(params, transaction).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_request' });
    // The OP really echoed them (the test would prove nothing otherwise).
    const sent = op.requestsTo('/token')[0]!;
    const code = params.get('code')!;
    expect((error as ProviderError).error_description).toContain('***');
    const text = printed(error);
    for (const secret of [SECRET, encodeURIComponent(SECRET), new URLSearchParams({ s: SECRET }).toString().slice(2), code, transaction.codeVerifier]) {
      expect(text).not.toContain(secret);
    }
    if (method === 'client_secret_basic') expect(text).not.toContain(sent.headers.authorization!.slice('Basic '.length));
    // What is not a credential is still there to debug with.
    expect(text).toContain('grant_type=authorization_code');
    expect(text).toContain('redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb');
    if (method === 'client_secret_post') expect(text).toContain(`client_id=${op.clientId}`);
  });
}

it('an error_description echoing a refresh request never shows the refresh token', async () => {
  const rp = await client('client_secret_post');
  const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
  const tokens = await rp.callback(await authorizeAt(url), transaction);
  expect(tokens.refreshToken).toBeDefined();
  op.faults.tokenResponse = { status: 400, error: 'invalid_grant', echoRequest: true };
  const error = await rp.refresh(tokens.refreshToken!).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_grant' });
  expect((error as ProviderError).error_description).toContain('refresh_token');
  expect(printed(error)).not.toContain(tokens.refreshToken!);
  expect(printed(error)).not.toContain(SECRET);
});

for (const accessToken of ['at-SECRET-1234567890\r\nX-Injected: 1', 'at-SECRET-1234567890\u0000tail', 'at-SECRET-1234567890\n', 'at-SECRET-ö']) {
  it(`an access_token ${JSON.stringify(accessToken)} is refused at the token response, never echoed`, async () => {
    const rp = await client('client_secret_basic');
    op.faults.tokenResponse = { overrides: { access_token: accessToken } };
    const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
    const error = await rp.callback(await authorizeAt(url), transaction).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', claim: 'access_token' });
    expect(printed(error)).not.toContain('at-SECRET');
  });
}

it('a refresh_token with a line feed is refused (RFC 6749 Appendix A.17)', async () => {
  const rp = await client('client_secret_basic');
  op.faults.tokenResponse = { overrides: { refresh_token: 'rt-SECRET\nX: 1' } };
  const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
  const error = await rp.callback(await authorizeAt(url), transaction).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', claim: 'refresh_token' });
  expect(printed(error)).not.toContain('rt-SECRET');
});

it('a token that reaches the transport some other way (stored, handed in) is not quoted by a fetch failure', async () => {
  const rp = await client('client_secret_basic');
  for (const accessToken of ['at-SECRET-1234567890\r\nX-Injected: 1', 'at-SECRET-1234567890\u0000tail']) {
    for (const call of [
      () => rp.userinfo({ accessToken, tokenType: 'Bearer' }),
      () => rp.fetchResource(`${op.origin}/userinfo`, { accessToken, tokenType: 'Bearer' }),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ code: 'HTTP_REQUEST_FAILED' });
      expect(printed(error)).not.toContain('at-SECRET');
    }
  }
  // Nothing reached the provider with the broken header.
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});

it('a well-formed token response still signs in (VSCHAR tokens with spaces and symbols)', async () => {
  const rp = await client('client_secret_basic');
  op.faults.tokenResponse = { overrides: { access_token: 'AAA.bbb-ccc_ddd~eee+fff/ggg= |appid|', refresh_token: 'rt ~!#$%&()*' } };
  op.faults.idTokenDeleteClaims = ['at_hash']; // the OP hashed the token it generated
  const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
  const tokens = await rp.callback(await authorizeAt(url), transaction);
  expect(tokens.accessToken).toBe('AAA.bbb-ccc_ddd~eee+fff/ggg= |appid|');
  expect(tokens.refreshToken).toBe('rt ~!#$%&()*');
});

it('a userinfo challenge or a revocation error echoing the request never shows the token', async () => {
  const rp = await client('client_secret_basic');
  const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
  const tokens = await rp.callback(await authorizeAt(url), transaction);
  // RFC 6750 §3: the error comes in a WWW-Authenticate challenge; this one quotes the header it got.
  op.handlers.set(
    '/userinfo',
    (req) =>
      new Response(null, {
        status: 401,
        headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="bad ${req.headers.get('authorization')}"` },
      }),
  );
  op.handlers.set('/revoke', async (req) =>
    Response.json({ error: 'invalid_request', error_description: `cannot revoke: ${await req.text()} (${req.headers.get('authorization')})` }, { status: 400 }),
  );
  const userinfoError = await rp.userinfo(tokens).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(userinfoError).toMatchObject({ code: 'USERINFO_ERROR', error: 'invalid_token' });
  expect((userinfoError as ProviderError).error_description).toBe('bad Bearer ***');
  expect(printed(userinfoError)).not.toContain(tokens.accessToken);
  const revokeError = await rp.revoke(tokens.refreshToken!, 'refresh_token').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(revokeError).toMatchObject({ code: 'REVOCATION_ERROR', error: 'invalid_request' });
  expect((revokeError as ProviderError).error_description).toContain('token_type_hint=refresh_token');
  for (const secret of [tokens.refreshToken!, SECRET]) expect(printed(revokeError)).not.toContain(secret);
});
