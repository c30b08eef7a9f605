import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { conformGitHubTokenResponse, github } from '../../src/providers/github.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { rejectionOf, signInThrough } from './sign-in.js';

const CLIENT_ID = 'Iv1.8a61f9b3a7aba766';
const SECRET = 'fixture-github-secret';
/** Recorded shapes (GitHub REST API docs: "Get the authenticated user", "List email addresses"). */
const USER = {
  login: 'octocat',
  id: 583231,
  node_id: 'MDQ6VXNlcjE=',
  avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
  type: 'User',
  site_admin: false,
  name: 'The Octocat',
  company: '@github',
  email: 'octocat@github.com',
};
const EMAILS = [
  { email: 'old@example.com', verified: true, primary: false, visibility: null },
  { email: 'octocat@github.com', verified: true, primary: true, visibility: 'public' },
];

let fx: FixtureServer;

/** Serves a GitHub (or GitHub Enterprise) at `<fx>/<name>` with its API at `<fx>/<name>/api/v3`. */
function serveGitHub(name: string, answers: { token?: Record<string, unknown>; user?: Record<string, unknown>; emails?: unknown; emailsStatus?: number }) {
  fx.oauth2({
    clientId: CLIENT_ID,
    clientAuth: { method: 'client_secret_post', secret: SECRET },
    authorize: `/${name}/login/oauth/authorize`,
    token: `/${name}/login/oauth/access_token`,
    // GitHub answers token errors with HTTP 200, lower-case bearer, comma-separated scopes.
    tokenAnswer: ({ accessToken }) => ({ json: answers.token ?? { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' } }),
    api: {
      [`/${name}/api/v3/user`]: { json: answers.user ?? USER },
      [`/${name}/api/v3/user/emails`]: answers.emailsStatus
        ? { status: answers.emailsStatus, json: { message: 'Not Found' } }
        : { json: answers.emails ?? EMAILS },
    },
  });
}

beforeAll(async () => {
  fx = await startFixtureServer();
  serveGitHub('gh', {});
  serveGitHub('gh-unverified', {
    user: { ...USER, name: null },
    emails: [{ email: 'octocat@github.com', verified: false, primary: true, visibility: 'public' }],
  });
  serveGitHub('gh-noemails', { emailsStatus: 404 });
  serveGitHub('gh-error', {
    token: {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
    },
  });
});
afterAll(() => fx.close());

const preset = (name: string) => github({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: `${fx.url}/${name}`, env: {} });

describe('github()', () => {
  it('signs in with the JSON token response; the user from /user, the verified primary email from /user/emails', async () => {
    const r = await signInThrough(preset('gh'));
    expect(r.authorizationUrl.pathname).toBe('/gh/login/oauth/authorize');
    expect(r.authorizationUrl.searchParams.get('scope')).toBe('read:user user:email');
    expect(r.tokens.tokenType).toBe('Bearer');
    expect(r.tokens.grantedScopes).toEqual(['read:user', 'user:email']);
    expect(r.profile).toMatchObject({
      issuer: `${fx.url}/gh`,
      subject: '583231',
      email: 'octocat@github.com',
      emailVerified: true,
      name: 'The Octocat',
      picture: USER.avatar_url,
      givenName: null,
    });
    expect(fx.last('/gh/api/v3/user/emails')?.headers.authorization).toMatch(/^Bearer at-/);
    expect(fx.last('/gh/login/oauth/access_token')?.form.get('client_secret')).toBe(SECRET);
  });

  it('never reports an unverified primary email as verified; the login is the name fallback', async () => {
    const r = await signInThrough(preset('gh-unverified'));
    expect(r.profile).toMatchObject({ email: null, emailVerified: false, name: 'octocat' });
  });

  it('signs in without an email when /user/emails is not allowed (404)', async () => {
    const r = await signInThrough(preset('gh-noemails'));
    expect(r.profile).toMatchObject({ subject: '583231', email: null, emailVerified: false });
  });

  it('turns an error answered with HTTP 200 into TOKEN_ERROR', async () => {
    const error = await rejectionOf(signInThrough(preset('gh-error')));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'bad_verification_code', httpStatus: 200 });
  });

  it('uses github.com and api.github.com by default, <base>/api/v3 for GitHub Enterprise', () => {
    const dotcom = github({ clientId: 'a', clientSecret: 'b', env: {} });
    expect(dotcom.metadata).toMatchObject({
      issuer: 'https://github.com',
      authorization_endpoint: 'https://github.com/login/oauth/authorize',
      token_endpoint: 'https://github.com/login/oauth/access_token',
    });
    expect(conformGitHubTokenResponse({ access_token: 'x', token_type: 'bearer', scope: 'repo, user' }).scope).toBe('repo user');
  });
});
