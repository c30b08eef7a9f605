/**
 * The flow inspector's recorder against a real token endpoint on 127.0.0.1: whatever names a
 * provider uses for its tokens (`issued_token`, a nested `authed_user.access_token`, any `*_token`),
 * and whatever the request carries (`code`, `client_secret`, `code_verifier`), no value is stored.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowInspector, isSecretName } from '../../demo/inspector.js';

const secret = (label: string): string => `${label}${randomBytes(16).toString('hex')}`;
const values = {
  access: secret('at'),
  nestedAccess: secret('nat'),
  nestedRefresh: secret('nrt'),
  issued: secret('it'),
  deviceSecret: secret('ds'),
  arrayToken: secret('arr'),
};
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: values.access,
          token_type: 'Bearer',
          issued_token: values.issued,
          authed_user: { id: 'U1', access_token: values.nestedAccess, extra: { refresh_token: values.nestedRefresh } },
          device_secret: values.deviceSecret,
          grants: [{ kind: 'x', session_token: values.arrayToken }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('flow inspector redaction', () => {
  it('names: the fixed list and every *_token, *_secret, *_verifier, *_assertion', () => {
    for (const n of [
      'code',
      'STATE',
      'id_token',
      'access_token',
      'refresh_token',
      'logout_token',
      'client_secret',
      'code_verifier',
      'issued_token',
      'session_token',
      'device_secret',
      'client_assertion',
      'subject_token',
      'actor_token',
      'id_token_hint',
      'password',
      'db_password',
    ])
      expect(isSecretName(n), n).toBe(true);
    for (const n of ['token_type', 'expires_in', 'scope', 'iss', 'error', 'redirect_uri', 'grant_type', 'tokenizer']) expect(isSecretName(n), n).toBe(false);
  });

  it('a token exchange through the recording fetch stores no token, nested or oddly named, nor the request secrets', async () => {
    const inspector = new FlowInspector();
    const flow = inspector.start('slack', 'login');
    const fetchRecorded = inspector.wrapFetch();
    const request = { code: secret('code'), client_secret: secret('cs'), code_verifier: secret('cv') };
    const res = await inspector.run(flow, () =>
      fetchRecorded(`${base}/oauth/token?access_token=${values.access}`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', ...request }),
      }),
    );
    expect(res.status).toBe(200);
    const stored = JSON.stringify(inspector.list());
    expect(stored).toContain('Token exchange');
    expect(stored).toContain('authed_user');
    expect(stored).toContain('"token_type","Bearer"');
    for (const [name, value] of Object.entries({ ...values, ...request })) expect(stored, name).not.toContain(value);
  });
});
