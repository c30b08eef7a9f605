/**
 * An RP server and the test OP per `describe` block, with vitest's hooks (kept out of `support.ts`,
 * which child processes import without vitest).
 */
import type http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, type RpServer, startOp } from './support.js';

/** A Node app for {@link rpWithOp}: its listener and how to close it. */
export type RpApp = { listener: http.RequestListener; close?: () => Promise<void> };

/**
 * An RP server and the test OP for the enclosing `describe`: both started in `beforeAll` (the app
 * made once the RP's URL is known), all closed in `afterAll`.
 *
 * @returns live views of the RP server and the OP (read them inside tests).
 */
export function rpWithOp(makeApp: (rpBase: string, op: OidcProviderHandle) => Promise<RpApp>): { readonly rp: RpServer; readonly op: OidcProviderHandle } {
  let rp: RpServer | undefined;
  let op: OidcProviderHandle | undefined;
  let app: RpApp | undefined;
  beforeAll(async () => {
    rp = await listen(() => app!.listener);
    op = await startOp(rp.base);
    app = await makeApp(rp.base, op);
  });
  afterAll(async () => {
    await app?.close?.();
    await rp?.close();
    await op?.close();
  });
  return {
    get rp() {
      return rp!;
    },
    get op() {
      return op!;
    },
  };
}
