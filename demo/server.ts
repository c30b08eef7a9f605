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
 *
 * Development features (the emulations, `/dev/inspector`) need `NODE_ENV=development`. `npm start`
 * runs `tsx demo/server.ts --development`: the flag stands for `NODE_ENV=development` when NODE_ENV
 * is unset (a flag works in every shell, `NODE_ENV=… cmd` does not), and never overrides a NODE_ENV
 * that is set to something else.
 */
import { createDemoApp } from './app.js';

const unset = (process.env.NODE_ENV ?? '').trim() === '';
const env = process.argv.slice(2).includes('--development') && unset ? { ...process.env, NODE_ENV: 'development' } : process.env;

try {
  const app = await createDemoApp({ env });
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
