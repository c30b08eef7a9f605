/**
 * What the three examples share: Google sign-in that points at the development identity provider
 * when `GOOGLE_CLIENT_ID` is not set (so each example runs with no credentials and no network), and a
 * development secret.
 */
import { randomBytes } from 'node:crypto';
import { type RunningDevIdp, startDevIdp } from 'latchkey/dev';
import { google, type ProviderConfig } from 'latchkey/providers';

/** Google Calendar, read-only: the dev IdP's Google emulation serves a Calendar-like API for it. */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

/** Google from `GOOGLE_CLIENT_ID`/`GOOGLE_CLIENT_SECRET`, or its emulation on a dev IdP started here. */
export async function googleOrEmulation(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ provider: ProviderConfig; dev: RunningDevIdp | null; calendarUrl: string }> {
  if (env.GOOGLE_CLIENT_ID) {
    return { provider: google({ env, offline: true }), dev: null, calendarUrl: 'https://www.googleapis.com/calendar/v3/users/me/calendarList' };
  }
  const dev = await startDevIdp({ port: Number(env.DEV_IDP_PORT ?? 0), host: '127.0.0.1', acceptAnyClient: true });
  const issuer = dev.issuerFor('google');
  process.stdout.write(`No GOOGLE_CLIENT_ID: signing in against the Google emulation at ${issuer}\n`);
  return {
    provider: google({
      clientId: 'latchkey-example',
      clientSecret: 'dev-only',
      issuer,
      env: {},
      offline: true,
      scopes: ['openid', 'email', 'profile', CALENDAR_SCOPE],
    }),
    dev,
    calendarUrl: `${issuer}/calendar/v3/users/me/calendarList`,
  };
}

/** `AUTH_SECRET`, or a random one for this run (sessions then end when the process stops). */
export function secretFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.AUTH_SECRET ?? randomBytes(32).toString('base64url');
}

/** Escapes text for HTML. */
export function esc(s: string | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A minimal accessible page. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}a,button{font:inherit}:focus-visible{outline:3px solid #3730a3;outline-offset:2px}</style></head>
<body><main>${body}</main></body></html>`;
}
