import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import * as providers from '../../src/providers/index.js';
import { PRESETS_FROM_ENV, providersFromEnv } from '../../src/providers/index.js';
import { defaultEnv } from '../../src/providers/internal/env.js';

describe('providersFromEnv()', () => {
  it('returns exactly the presets whose credentials are set, configured from the environment', () => {
    const list = providersFromEnv({
      GOOGLE_CLIENT_ID: 'g-id',
      GOOGLE_CLIENT_SECRET: 'g-secret',
      GITHUB_CLIENT_ID: 'gh-id',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      OKTA_CLIENT_ID: 'o-id',
      OKTA_ISSUER: 'https://acme.okta.com/oauth2/default',
      MICROSOFT_CLIENT_ID: 'm-id',
      MICROSOFT_CLIENT_SECRET: 'm-secret',
      MICROSOFT_TENANT: 'organizations',
      UNRELATED: 'x',
    });
    expect(list.map((p) => p.id)).toEqual(['google', 'github', 'microsoft', 'okta']);
    expect(list[0]).toMatchObject({ clientId: 'g-id', clientSecret: 'g-secret' });
    expect(list[2]!.issuer).toBe('https://login.microsoftonline.com/organizations/v2.0');
    expect(list[3]!.issuer).toBe('https://acme.okta.com/oauth2/default');
  });

  it('a client id without its secret is an error naming the variable, not a silent skip', () => {
    expect(() => providersFromEnv({ DISCORD_CLIENT_ID: 'd' })).toThrow(ConfigurationError);
    expect(() => providersFromEnv({ DISCORD_CLIENT_ID: 'd' })).toThrow(/DISCORD_CLIENT_SECRET/);
    expect(() => providersFromEnv({ KEYCLOAK_CLIENT_ID: 'k' })).toThrow(/KEYCLOAK_ISSUER/);
  });

  it('treats empty values as absent and returns nothing for an empty environment', () => {
    expect(providersFromEnv({ GOOGLE_CLIENT_ID: '  ' })).toEqual([]);
    expect(providersFromEnv({})).toEqual([]);
  });

  it('reads process.env by default (guarded for runtimes without process)', () => {
    expect(defaultEnv()).toBe(process.env);
  });
});

describe('the preset catalogue', () => {
  it('has at least 30 presets, each one a function returning a valid config', () => {
    const fns = Object.entries(providers).filter(
      ([name, v]) => typeof v === 'function' && /^[a-z][a-z0-9]*$/.test(name) && name !== 'providersFromEnv' && name !== 'x',
    );
    expect(fns.length).toBeGreaterThanOrEqual(31);
    expect(PRESETS_FROM_ENV.length).toBeGreaterThanOrEqual(29);
  });

  it('every env-configurable preset builds from its variables, with a mapProfile and a console URL', () => {
    for (const { variable, create } of PRESETS_FROM_ENV) {
      const prefix = variable.replace(/_CLIENT_ID$/, '');
      const env: Record<string, string> = {
        [`${prefix}_CLIENT_ID`]: 'id',
        [`${prefix}_CLIENT_SECRET`]: 'secret',
        [`${prefix}_ISSUER`]: 'https://issuer.example.com',
        APPLE_TEAM_ID: 'T',
        APPLE_KEY_ID: 'K',
        APPLE_PRIVATE_KEY: 'PEM',
      };
      const p = create({ env });
      expect(p.id, variable).toMatch(/^[a-z0-9-]+$/);
      expect(typeof p.mapProfile, variable).toBe('function');
      expect(p.docs?.consoleUrl, variable).toMatch(/^https:\/\//);
      expect(typeof p.supportsRefresh, variable).toBe('boolean');
      if (p.kind === 'oauth2') expect(p.metadata?.issuer, variable).toBe(p.issuer);
    }
  });
});
