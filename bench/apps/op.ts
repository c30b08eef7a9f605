/**
 * The OpenID Provider every benchmark app signs in against: the real `oidc-provider` (the same
 * wrapper the tests use, interactions auto-approved so a scripted client completes logins), in its
 * own process so its CPU is never counted as an app's. The apps start after it (they need its
 * issuer), so the client is registered afterwards: the parent sets `clients` (their redirect URIs)
 * and the Provider is rebuilt with them before the first login.
 */
import type { JWK } from 'jose';
import { generateSigningKey, type OpClientConfig, startOidcProvider } from '../../test/support/oidc-provider.js';
import { ready, startChild, whenSet } from './child.js';

const clients: OpClientConfig[] = [];
const keys: JWK[] = [await generateSigningKey('k1')];
// startOidcProvider reads this array on every mount: filling it and mounting again registers them.
const op = await startOidcProvider({ clients, keys });
startChild(() => op.close());
whenSet(async (key, value) => {
  if (key !== 'clients') return;
  clients.splice(0, clients.length, ...(value as OpClientConfig[]));
  await op.mount(keys);
});
ready(op.issuer);
