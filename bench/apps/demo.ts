/**
 * The demo app (`demo/app.ts`, what `npm start` serves) in its own process, exactly as
 * `demo/server.ts` creates it (SQLite users and sessions in a temporary data folder, development
 * mode with the flow inspector), with the generic OIDC provider pointed at the benchmark OP through
 * the demo's own environment variables (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET); the other
 * providers stay on the demo's in-process development IdP, idle here. Only the IPC side is added.
 * Environment: ISSUER, CLIENT_ID, CLIENT_SECRET.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoApp } from '../../demo/app.js';
import { env, ready, startChild } from './child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-demo-'));
const app = await createDemoApp({
  env: { NODE_ENV: 'development', OIDC_ISSUER: env('ISSUER'), OIDC_CLIENT_ID: env('CLIENT_ID'), OIDC_CLIENT_SECRET: env('CLIENT_SECRET') },
  dataDir,
  port: 0,
  host: '127.0.0.1',
  devIdpPort: 0,
  log: () => undefined,
});
startChild(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});
ready(app.url);
