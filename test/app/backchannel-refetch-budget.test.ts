/**
 * Red team, provider side: the unauthenticated back-channel logout route shared the key set's
 * refetch budget (10 unknown-`kid` refetches a minute) with sign-in. Anyone could POST ten logout
 * tokens naming random `kid`s a minute and keep that budget spent; when the provider then rotated
 * its signing key, every sign-in failed with `JWKS_NO_MATCHING_KEY` until the cached set expired
 * (10 minutes by default), for as long as the POSTs went on. A logout token's `kid` now draws on a
 * budget of its own: ID tokens (which come from the token endpoint, not from anyone) always get
 * theirs. Served through the Node adapter on 127.0.0.1:0 against the misbehaving OP.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { UserAgent } from '../support/user-agent.js';
import { listen, login, opProvider, type RpServer, SECRET_A } from './support.js';

let op: MisbehavingOp;
let rp: RpServer;
let auth: Auth;

function nodeApp(): http.RequestListener {
  return (req, res) => {
    void latchkey(auth)
      .handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
  };
}

beforeAll(async () => {
  op = await startMisbehavingOp();
  rp = await listen(nodeApp);
});
afterAll(async () => {
  await rp.close();
  await op.close();
});
beforeEach(() => {
  op.reset();
  auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { clientId: op.clientId, clientSecret: op.clientSecret })] });
});

async function postLogout(token: string): Promise<number> {
  const r = await fetch(`${rp.base}/auth/op/backchannel-logout`, {
    method: 'POST',
    body: new URLSearchParams({ logout_token: token }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  await r.text();
  return r.status;
}

async function signedIn(): Promise<boolean> {
  const ua = new UserAgent();
  const landed = await login(ua, rp.base);
  return landed.stopped === true && new URL(landed.url!).pathname === '/dashboard';
}

it('logout tokens spraying unknown kids cannot stop sign-in from picking up a rotated key', async () => {
  expect(await signedIn()).toBe(true); // the key set is loaded
  const jwksFetches = () => op.requestsTo('/jwks').length;
  const before = jwksFetches();
  // Thirty unauthenticated POSTs, each naming a kid nobody published (signed with the real key).
  for (let i = 0; i < 30; i++) expect(await postLogout(await op.makeLogoutToken({}, { kid: `spray-${randomBytes(6).toString('hex')}` }))).toBe(400);
  const sprayed = jwksFetches() - before;
  // The spray itself stays within its budget (10 a minute).
  expect(sprayed).toBeGreaterThan(0);
  expect(sprayed).toBeLessThanOrEqual(10);
  // The provider rotates: the next ID token names a kid the cache does not hold.
  await op.rotateKeys();
  expect(await signedIn()).toBe(true);
  expect(jwksFetches()).toBe(before + sprayed + 1);
  // And a logout token with the new key verifies (200) now that the set holds it.
  expect(await postLogout(await op.makeLogoutToken())).toBe(200);
});

it('the logout-token budget still bounds the spray, and sign-in keeps its own cooldown per kid', async () => {
  expect(await signedIn()).toBe(true);
  const before = op.requestsTo('/jwks').length;
  for (let i = 0; i < 25; i++) await postLogout(await op.makeLogoutToken({}, { kid: `spray-${i}` }));
  expect(op.requestsTo('/jwks').length - before).toBe(10);
  // Sign-in with the known key refetches nothing.
  expect(await signedIn()).toBe(true);
  expect(op.requestsTo('/jwks').length - before).toBe(10);
});
