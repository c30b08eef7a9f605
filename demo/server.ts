/**
 * The Latchkey demo app: `npm start` serves it on http://localhost:3000.
 *
 * With no credentials it signs in against the built-in development identity provider (started
 * here, in-process, on its own loopback port), keeps users in SQLite under `.latchkey/` and
 * generates a development secret there. Environment: PORT, APP_URL, AUTH_SECRET, DATABASE_URL,
 * REDIS_URL, GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET, GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET,
 * MICROSOFT_CLIENT_ID/MICROSOFT_CLIENT_SECRET, APPLE_CLIENT_ID/APPLE_TEAM_ID/APPLE_KEY_ID/
 * APPLE_PRIVATE_KEY, OIDC_ISSUER/OIDC_CLIENT_ID/OIDC_CLIENT_SECRET, DEV_IDP_PORT. See
 * docs/getting-started.md.
 */
import { createDemoApp } from './app.js';

try {
  const app = await createDemoApp();
  process.stdout.write(`\nOpen ${app.url} and click "Sign in with Google".\n`);
  const stop = (): void => {
    void app.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  // Configuration errors carry a message that says what to change (and never a secret).
  process.stderr.write(`The demo could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
