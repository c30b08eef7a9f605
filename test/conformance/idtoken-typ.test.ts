/**
 * Issue 18 item 4: an access token (`typ: at+jwt`, RFC 9068 §2.1) was accepted as an ID token.
 * RFC 8725 §3.11: explicitly typed JWTs of one kind must not be accepted as another. An ID token's
 * `typ`, when present, must be `JWT`; logout tokens keep their own rule (Back-Channel Logout 1.0
 * §2.4: `logout+jwt`, or `JWT`, or none).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateLogoutToken } from '../../src/core/backchannel-logout.js';
import { OidcClient } from '../../src/core/client.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import { ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let rp: OidcClient;
beforeAll(async () => {
  op = await startMisbehavingOp();
  rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

/** Makes the OP's token endpoint put this `typ` in the ID token header. */
function idTokenTyp(typ: unknown): void {
  op.handlers.set('/token', async (req) => {
    op.handlers.delete('/token');
    const res = await fetch(`${op.issuer}/token`, { method: 'POST', headers: req.headers, body: await req.text() });
    const body = (await res.json()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(String(body.id_token).split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    return Response.json({ ...body, id_token: await op.signIdToken(claims, { typ }) });
  });
}

describe('ID tokens', () => {
  for (const typ of ['at+jwt', 'application/at+jwt', 'logout+jwt', 'secevent+jwt', 'JOSE', 42]) {
    it(`typ ${JSON.stringify(typ)} is refused (JWT_TYPE_INVALID) and nothing more is called`, async () => {
      idTokenTyp(typ);
      const { tokens, error } = await runRpFlow(rp);
      expect(tokens).toBeUndefined();
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'JWT_TYPE_INVALID', claim: 'typ' });
      expect(op.requestsTo('/userinfo')).toHaveLength(0);
    });
  }

  for (const typ of ['JWT', 'jwt', 'application/jwt']) {
    it(`typ ${typ} is accepted`, async () => {
      idTokenTyp(typ);
      const { tokens, error } = await runRpFlow(rp);
      expect(error).toBeUndefined();
      expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
    });
  }

  it('no typ is accepted', async () => {
    const { error } = await runRpFlow(rp);
    expect(error).toBeUndefined();
  });
});

describe('logout tokens (Back-Channel Logout 1.0 §2.4)', () => {
  const check = async (typ: string | null): Promise<string> => {
    const jwt = await op.makeLogoutToken({}, { typ });
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    return validateLogoutToken(jwt, { metadata: { issuer: op.issuer, jwks_uri: `${op.issuer}/jwks` }, client: { client_id: op.clientId }, jwks }).then(
      () => 'accepted',
      (e: unknown) => (e as ValidationError).code,
    );
  };

  it('logout+jwt, application/logout+jwt, JWT and no typ are accepted', async () => {
    for (const typ of ['logout+jwt', 'application/logout+jwt', 'JWT', null]) expect(await check(typ)).toBe('accepted');
  });

  it('at+jwt and other explicit types are refused (LOGOUT_TOKEN_INVALID)', async () => {
    for (const typ of ['at+jwt', 'secevent+jwt', 'id_token+jwt']) expect(await check(typ)).toBe('LOGOUT_TOKEN_INVALID');
  });
});
