import { describe, expect, it } from 'vitest';
import { ConfigurationError, ProviderError, ValidationError } from '../../src/errors.js';
import { conformFacebookTokenError } from '../../src/providers/facebook.js';
import { throwOnErrorBody } from '../../src/providers/internal/conform.js';
import { basePreset, endpoint } from '../../src/providers/internal/preset.js';
import { isTrue, makeProfile, standardClaimsProfile, subjectOf } from '../../src/providers/internal/profile.js';
import { oidc } from '../../src/providers/oidc.js';
import { conformSlackTokenResponse } from '../../src/providers/slack.js';
import { conformScopeArray, conformTwitchTokenError } from '../../src/providers/twitch.js';

describe('profile helpers', () => {
  it('emailVerified is true only for true or "true", and never without an email', () => {
    expect([true, 'true', 'TRUE', 1, 'yes', undefined, null].map(isTrue)).toEqual([true, true, false, false, false, false, false]);
    expect(makeProfile('https://i', 's', { email: null, emailVerified: true }, {}).emailVerified).toBe(false);
    expect(makeProfile('https://i', 's', { email: 'a@b.c', emailVerified: true }, {}).emailVerified).toBe(true);
  });

  it('subjects are non-empty strings or safe integers', () => {
    expect(subjectOf(583231, 'id', 'X')).toBe('583231');
    expect(() => subjectOf('', 'id', 'X')).toThrow(ValidationError);
    expect(() => subjectOf(1.5, 'id', 'X')).toThrow(ValidationError);
    expect(() => subjectOf({ id: 1 }, 'id', 'X')).toThrow(/USERINFO|usable "id"/);
  });

  it('standard claims: wrong types become null; the name falls back to given + family, then the username', () => {
    const p = standardClaimsProfile({ sub: 's', email: 42, given_name: 'Ada', family_name: 'Lovelace', picture: ['x'] }, { issuer: 'https://i' }, 'Test');
    expect(p).toMatchObject({ email: null, emailVerified: false, name: 'Ada Lovelace', picture: null });
    expect(standardClaimsProfile({ sub: 's', preferred_username: 'ada' }, { issuer: 'https://i' }, 'Test').name).toBe('ada');
    expect(() => standardClaimsProfile({}, { issuer: 'https://i' }, 'Test')).toThrow(ValidationError);
  });
});

describe('preset builders', () => {
  it('emulatorUrl rewrites https://host/path to <emulator>/host/path, query kept', () => {
    expect(endpoint('https://api.x.com/2/users/me?user.fields=a', 'http://127.0.0.1:5/')).toBe('http://127.0.0.1:5/api.x.com/2/users/me?user.fields=a');
    expect(endpoint('https://api.x.com/2/users/me', undefined)).toBe('https://api.x.com/2/users/me');
  });

  it('merges authorization parameters, keeps the defaults unless replaced, and checks the id', () => {
    const b = basePreset(
      { authorizationParams: { a: '2', b: '3' }, scopes: ['s'] },
      { id: 'p', name: 'P', scopes: ['d'], authorizationParams: { a: '1', c: '4' } },
    );
    expect(b).toMatchObject({ id: 'p', scopes: ['s'], authorizationParams: { a: '2', b: '3', c: '4' } });
    expect(basePreset({}, { id: 'p', name: 'P', scopes: ['d'] })).not.toHaveProperty('authorizationParams');
    expect(() => basePreset({ id: 'Not/ok' }, { id: 'p', name: 'P', scopes: [] })).toThrow(ConfigurationError);
  });
});

describe('token response conformers', () => {
  it('error bodies with HTTP 200 become TOKEN_ERROR; success bodies pass', () => {
    expect(() => throwOnErrorBody({ error: 'invalid_grant' })).toThrow(ProviderError);
    expect(() => throwOnErrorBody({ access_token: 'a', token_type: 'bearer' })).not.toThrow();
    expect(() => conformSlackTokenResponse({ ok: false, error: 'invalid_code' })).toThrow(/invalid_code/);
    expect(conformSlackTokenResponse({ ok: true, access_token: 'a' })).toMatchObject({ access_token: 'a' });
    expect(conformScopeArray({ scope: ['openid', 7, 'user:read:email'] }).scope).toBe('openid user:read:email');
    expect(conformScopeArray({ scope: 'a b' }).scope).toBe('a b');
  });
});

describe('generic OIDC offline access', () => {
  it('asks for offline_access with prompt=consent (OIDC Core §11)', () => {
    const p = oidc({ id: 'corp', issuer: 'https://sso.corp.example', clientId: 'corp-client', offline: true });
    expect(p.offline).toBe(true);
    expect(p.offlineAccess).toEqual({ scopes: ['offline_access'], prompt: 'consent' });
  });
});

describe('token error shapes mapped onto RFC 6749 §5.2', () => {
  it('Twitch { status, message }: a refused code or refresh token is invalid_grant, a refused client invalid_client', () => {
    expect(conformTwitchTokenError(400, { status: 400, message: 'Invalid refresh token' })).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid refresh token',
    });
    expect(conformTwitchTokenError(400, { status: 400, message: 'Invalid authorization code' })?.error).toBe('invalid_grant');
    expect(conformTwitchTokenError(403, { status: 403, message: 'invalid client secret' })?.error).toBe('invalid_client');
    expect(conformTwitchTokenError(400, { status: 400, message: 'missing client id' })?.error).toBe('invalid_request');
    expect(conformTwitchTokenError(400, { status: 400 })).toBeUndefined();
  });

  it('Facebook { error: { message, type, code } }: 100 about the code and 190 are invalid_grant, 1 and 101 invalid_client', () => {
    const fb = (code: number, message: string) => ({ error: { message, type: 'OAuthException', code, fbtrace_id: 'x' } });
    expect(conformFacebookTokenError(400, fb(100, 'This authorization code has been used.'))).toEqual({
      error: 'invalid_grant',
      error_description: 'This authorization code has been used.',
    });
    expect(conformFacebookTokenError(400, fb(190, 'Error validating access token: Session has expired'))?.error).toBe('invalid_grant');
    expect(conformFacebookTokenError(400, fb(101, 'Error validating application. Invalid application ID.'))?.error).toBe('invalid_client');
    expect(conformFacebookTokenError(400, fb(100, 'Unsupported get request.'))?.error).toBe('invalid_request');
    expect(conformFacebookTokenError(400, { error: 'already_standard' })).toBeUndefined();
  });
});
