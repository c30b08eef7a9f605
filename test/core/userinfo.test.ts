import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discover } from '../../src/core/discovery.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import type { ClientMetadata, ServerMetadata } from '../../src/core/types.js';
import { fetchUserinfo } from '../../src/core/userinfo.js';
import { LatchkeyError, ProviderError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let metadata: ServerMetadata;
let client: ClientMetadata;

beforeAll(async () => {
  op = await startMisbehavingOp();
  metadata = await discover(op.issuer);
  client = { client_id: op.clientId, client_secret: op.clientSecret };
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

/** Gets a real access token from the OP's token endpoint. */
async function accessToken(): Promise<string> {
  const res = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${op.clientId}:${op.clientSecret}`)}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LatchkeyError);
    return (e as LatchkeyError).code;
  }
  return 'accepted';
}

describe('fetchUserinfo', () => {
  it('sends the token in the Authorization header only and returns the claims', async () => {
    const at = await accessToken();
    const claims = await fetchUserinfo(metadata, client, at, { expectedSubject: op.subject });
    expect(claims).toMatchObject({ sub: op.subject, email: `${op.subject}@example.com` });
    const [req] = op.requestsTo('/userinfo');
    expect(req!.headers.authorization).toBe(`Bearer ${at}`);
    expect(Object.values(req!.query).join(' ')).not.toContain(at);
    expect(req!.method).toBe('GET');
  });

  it('rejects a sub different from the ID token sub (USERINFO_SUB_MISMATCH)', async () => {
    op.faults.userinfo.sub = 'mallory';
    expect(await codeOf(fetchUserinfo(metadata, client, await accessToken(), { expectedSubject: op.subject }))).toBe('USERINFO_SUB_MISMATCH');
  });

  it('rejects a response without sub', async () => {
    op.faults.userinfo.claims = { sub: undefined };
    expect(await codeOf(fetchUserinfo(metadata, client, await accessToken()))).toBe('USERINFO_INVALID');
  });

  it('surfaces a refused token as ProviderError USERINFO_ERROR (invalid_token)', async () => {
    const error = await fetchUserinfo(metadata, client, 'not-a-token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('USERINFO_ERROR');
    expect((error as ProviderError).error).toBe('invalid_token');
  });

  it('verifies a signed userinfo response and checks its iss and aud', async () => {
    op.faults.userinfo.jwt = true;
    const signed = { ...client, userinfo_signed_response_alg: 'RS256' };
    const jwks = new RemoteJwks(metadata.jwks_uri!);
    expect(await fetchUserinfo(metadata, signed, await accessToken(), { expectedSubject: op.subject, jwks })).toMatchObject({
      sub: op.subject,
      iss: op.issuer,
    });
    op.faults.userinfo.claims = { iss: 'https://evil.example' };
    expect(await codeOf(fetchUserinfo(metadata, signed, await accessToken(), { jwks }))).toBe('USERINFO_INVALID');
    op.faults.userinfo.claims = { aud: 'someone-else' };
    expect(await codeOf(fetchUserinfo(metadata, signed, await accessToken(), { jwks }))).toBe('USERINFO_INVALID');
    op.faults.userinfo.claims = {};
    op.faults.signing = 'bad-signature';
    expect(await codeOf(fetchUserinfo(metadata, signed, await accessToken(), { jwks }))).toBe('JWT_SIGNATURE_INVALID');
  });

  it('refuses a JWT that was not registered, and plain JSON when a JWT was registered', async () => {
    op.faults.userinfo.jwt = true;
    expect(await codeOf(fetchUserinfo(metadata, client, await accessToken()))).toBe('USERINFO_INVALID');
    op.faults.userinfo.jwt = false;
    expect(await codeOf(fetchUserinfo(metadata, { ...client, userinfo_signed_response_alg: 'RS256' }, await accessToken()))).toBe('USERINFO_INVALID');
  });

  it('needs a userinfo_endpoint', async () => {
    expect(await codeOf(fetchUserinfo({ issuer: op.issuer }, client, 'x'))).toBe('METADATA_MISSING_ENDPOINT');
  });
});
