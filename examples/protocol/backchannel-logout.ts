/**
 * A back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0): the provider POSTs a
 * logout_token; answer 200 (with Cache-Control: no-store) when it validates, 400 otherwise, then end
 * the sessions with its sid (or all sessions of its sub).
 *
 * With the development IdP, register a client with backchannel_logout_uri
 * http://127.0.0.1:3000/backchannel-logout (startDevIdp({ clients: [...] })), sign in with
 * code-flow.ts, then log out: this server prints the validated claims.
 *   npx tsx examples/protocol/backchannel-logout.ts
 */
import * as http from 'node:http';
import { OidcClient } from 'latchkey/core';
import { redirectUri, settings } from './_loopback.js';

const client = await OidcClient.create({ issuer: settings.issuer, clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUri });
const seen = new Map<string, number>();

http
  .createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/backchannel-logout') return void res.writeHead(404).end();
    let body = '';
    req.on('data', (c: Buffer) => {
      body += String(c);
      // A logout token is a few KB: stop reading past 64 KB, answer 413 and close the connection.
      if (body.length > 64 * 1024) {
        req.removeAllListeners('data').removeAllListeners('end').pause();
        res.writeHead(413, { connection: 'close', 'cache-control': 'no-store' }).end();
      }
    });
    req.on('end', async () => {
      try {
        const claims = await client.validateLogoutToken(new URLSearchParams(body).get('logout_token') ?? '', {
          // Replay protection: remember each jti until the token expires.
          seenJti: (jti, exp) => {
            if (seen.has(jti)) return true;
            seen.set(jti, exp);
            return false;
          },
        });
        console.log('end sessions for', { sid: claims.sid, sub: claims.sub });
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      } catch (error) {
        console.warn('refused logout token:', (error as { code?: string }).code);
        res.writeHead(400, { 'cache-control': 'no-store' }).end();
      }
    });
  })
  .listen(settings.port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${settings.port}/backchannel-logout`));
