/**
 * The route fixture for tests that call route modules directly. Kept apart from `support.ts`,
 * which child processes load without vitest.
 */
import { afterAll, beforeAll } from 'vitest';
import { type AuthContext, createAuthContext } from '../../src/app/context.js';
import type { ProviderConfig } from '../../src/providers/types.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listenIdle, opProvider, type RpServer, SECRET_A, startOp } from './support.js';

export interface RouteFixture {
  readonly rp: RpServer;
  readonly op: OidcProviderHandle;
  readonly ctx: AuthContext;
}

/**
 * For a `describe` that calls route modules directly: starts the RP address and the OP in
 * `beforeAll`, builds one context with `providers`, and closes both in `afterAll`.
 */
export function routeFixture(providers: (issuer: string) => ProviderConfig[] = (issuer) => [opProvider(issuer)]): RouteFixture {
  const fixture = {} as { rp: RpServer; op: OidcProviderHandle; ctx: AuthContext };
  beforeAll(async () => {
    fixture.rp = await listenIdle();
    fixture.op = await startOp(fixture.rp.base);
    // Development: answers carry the developer's message, which these tests read.
    fixture.ctx = createAuthContext({
      baseUrl: fixture.rp.base,
      secret: SECRET_A,
      providers: providers(fixture.op.issuer),
      development: true,
      logger: () => {},
    });
  });
  afterAll(async () => {
    await fixture.rp?.close();
    await fixture.op?.close();
  });
  return fixture;
}
