/**
 * The one redaction helper every printed URL goes through (doctor, migrate, the dev-idp banner, the
 * message and `url` of every Latchkey error): credentials in the userinfo and in secret-named query
 * parameters are masked, nothing else changes.
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { discover } from '../../src/core/discovery.js';
import { ConfigurationError, isLatchkeyError, type LatchkeyError, TransportError } from '../../src/errors.js';
import { redactCredentialsIn, redactUrl, redactUrlsIn } from '../../src/internal/redact.js';

describe('redactUrl', () => {
  it('masks the password of the userinfo and keeps the user', () => {
    expect(redactUrl('postgres://app:hunter2@db.internal:5432/auth')).toBe('postgres://app:***@db.internal:5432/auth');
    expect(redactUrl('mysql://root:p%40ss@127.0.0.1/db')).toBe('mysql://root:***@127.0.0.1/db');
    expect(redactUrl('redis://:hunter2@cache:6379')).toBe('redis://:***@cache:6379');
  });

  it('masks a userinfo without ":" entirely (a bare token as the user)', () => {
    expect(redactUrl('https://ghp_abcdef123456@github.com/org/repo')).toBe('https://***@github.com/org/repo');
  });

  it('masks passwords the URL parser would reject: a raw "@", "/" or "#" inside them', () => {
    for (const [url, want] of [
      ['postgres://app:pa@ss@db/auth', 'postgres://app:***@db/auth'],
      ['postgres://app:pa/ss@db/auth', 'postgres://app:***@db/auth'],
      ['postgres://app:pa#ss@db/auth', 'postgres://app:***@db/auth'],
    ] as const) {
      expect(redactUrl(url)).toBe(want);
    }
  });

  it('masks secret-named query parameters and keeps the others', () => {
    expect(redactUrl('postgres://db/auth?sslmode=require&password=hunter2&application_name=x')).toBe(
      'postgres://db/auth?sslmode=require&password=***&application_name=x',
    );
    expect(redactUrl('https://api.example/cb?access_token=abc&client_secret=def&x=1#frag')).toBe(
      'https://api.example/cb?access_token=***&client_secret=***&x=1#frag',
    );
  });

  it('leaves URLs without credentials, and text without a scheme, unchanged', () => {
    for (const same of ['http://127.0.0.1:4000/google', 'https://[::1]:8443/x?y=1', 'sqlite:./auth.db', 'not a url', 'mailto:a@b.example'])
      expect(redactUrl(same)).toBe(same);
  });
});

describe('redactUrlsIn', () => {
  it('masks every URL inside a message, quoted or not', () => {
    const text = 'Discovery of "https://u:hunter2@idp.example/o" failed: Request to http://admin:s3cret@127.0.0.1:1/x (and redis://:pw@h) failed.';
    const out = redactUrlsIn(text);
    expect(out).toBe('Discovery of "https://u:***@idp.example/o" failed: Request to http://admin:***@127.0.0.1:1/x (and redis://:***@h) failed.');
    for (const secret of ['hunter2', 's3cret', ':pw@']) expect(out).not.toContain(secret);
  });
});

describe('every Latchkey error', () => {
  it('keeps URL credentials out of its message, its url and its JSON (a real request to a closed port)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const error = await discover(`http://admin:s3cretIssuerPw@127.0.0.1:${port}/oidc`, { http: { timeoutMs: 3000 }, ttlSeconds: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLatchkeyError(error)).toBe(true);
    const e = error as LatchkeyError;
    for (const text of [e.message, String((e as { url?: string }).url ?? ''), JSON.stringify(e), String(e)]) expect(text).not.toContain('s3cretIssuerPw');
  });

  it('masks credentials in any message given to a typed error', () => {
    const e = new ConfigurationError('Could not reach postgres://app:hunter2@db.internal/auth (ECONNREFUSED).');
    expect(e.message).toBe('Could not reach postgres://app:***@db.internal/auth (ECONNREFUSED).');
    expect(new TransportError('HTTP_REQUEST_FAILED', 'x', { url: 'https://u:hunter2@idp.example/token?code=abc' }).url).toBe('https://u:***@idp.example/token');
  });
});

describe('redactCredentialsIn (log lines)', () => {
  it('masks JWTs, long opaque strings and URL credentials, and keeps words, short codes and URL paths', () => {
    const code = 'Qm9fX2lzX2FfY29kZV90aGF0X2lzX2xvbmdfZW5vdWdo';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    expect(redactCredentialsIn(`The token endpoint answered "invalid_grant": code ${code} was already used.`)).toBe(
      'The token endpoint answered "invalid_grant": code *** was already used.',
    );
    expect(redactCredentialsIn(`id_token ${jwt} refused`)).toBe('id_token *** refused');
    expect(redactCredentialsIn('secret=rp-client-secret-0123456789abcdefghijklmnop.')).toBe('secret=***.');
    expect(redactCredentialsIn('Request to https://u:pw@op.example/oauth2/v3/very_long_path_segment_abcdefghijklmnop failed: ECONNREFUSED.')).toBe(
      'Request to https://u:***@op.example/oauth2/v3/very_long_path_segment_abcdefghijklmnop failed: ECONNREFUSED.',
    );
    expect(redactCredentialsIn('client authentication failed (HTTP_REQUEST_FAILED)')).toBe('client authentication failed (HTTP_REQUEST_FAILED)');
  });
});
