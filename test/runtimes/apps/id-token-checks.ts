/**
 * The ID-token checks and a few conformance negatives of the runtime matrix, run inside Bun or
 * Deno: for each case of `LATCHKEY_CASES` (JSON: name and issuer of a misbehaving OP the Node test
 * started, each with one fault), a full code flow with the packed package's `OidcClient`
 * (authorization URL, the OP's redirect, callback with every OIDC Core 3.1.3.7 check, userinfo),
 * and one line `RESULT <json>`: per case, the `sub` obtained or the typed error's name, code and
 * claim. The test compares them with what the conformance suite expects on Node.
 */
import { LatchkeyError } from 'latchkey';
import { OidcClient } from 'latchkey/core';

/** One case: an OP with one fault (or none). */
interface Case {
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What a case gave. */
type Outcome =
  | { readonly accepted: true; readonly sub: unknown; readonly userinfoSub: unknown }
  | { readonly accepted: false; readonly error: string; readonly latchkey: boolean; readonly code?: string; readonly claim?: unknown };

/** The authorization response the OP redirects with (it signs in at once, no page). */
async function authorizeAt(url: URL): Promise<URLSearchParams> {
  const answer = await fetch(url, { redirect: 'manual' });
  const location = answer.headers.get('location');
  await answer.body?.cancel();
  if (answer.status !== 302 || !location) throw new Error(`the authorization endpoint answered ${answer.status}`);
  return new URL(location).searchParams;
}

async function runCase(c: Case): Promise<Outcome> {
  try {
    const rp = await OidcClient.create({ issuer: c.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
    const { url, transaction } = await rp.authorizationUrl({ scope: ['openid', 'email'] });
    const tokens = await rp.callback(await authorizeAt(url), transaction);
    const userinfo = await rp.userinfo(tokens);
    return { accepted: true, sub: tokens.idTokenClaims?.sub, userinfoSub: userinfo.sub };
  } catch (error) {
    const e = error as { name?: string; code?: string; claim?: unknown };
    return { accepted: false, error: e.name ?? String(error), latchkey: error instanceof LatchkeyError, code: e.code, claim: e.claim };
  }
}

// Node, Bun and Deno 2 all have the `process` global.
const cases = JSON.parse(process.env.LATCHKEY_CASES ?? '[]') as Case[];
const results: Record<string, Outcome> = {};
for (const c of cases) results[c.name] = await runCase(c);
console.log(`RESULT ${JSON.stringify(results)}`);
