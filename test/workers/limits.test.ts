/**
 * What does not run on Workers, and the edge of what does (docs/workers.md): a Worker importing the
 * SQL store cannot even be bundled for workerd (its drivers need Node's `fs` and `path`), while the
 * dev IdP's Web handler loads and answers there (its Node server is left out by the bundler).
 */
import { describe, expect, it } from 'vitest';
import { bundleWorker, startWorker } from './miniflare.js';

describe('Workers (workerd): limits', () => {
  it('latchkey/storage/sql does not bundle for workerd: its drivers need Node built-ins', async () => {
    const failure = await bundleWorker('test/workers/fixtures/imports-sql-store.ts').then(
      () => undefined,
      (error: { errors?: { text: string }[] }) => error.errors?.map((e) => e.text) ?? [String(error)],
    );
    expect(failure).toBeDefined();
    expect(failure!.some((text) => /Could not resolve "(fs|path)"/.test(text))).toBe(true);
  });

  it("latchkey/dev's handler loads on workerd and publishes its discovery document and keys", async () => {
    const worker = await startWorker({ entry: 'test/workers/fixtures/imports-dev-idp.ts' });
    try {
      const discovery = await fetch(`${worker.base}/google/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      const metadata = (await discovery.json()) as { issuer: string; jwks_uri: string };
      expect(metadata.issuer).toBe(`${worker.base}/google`);
      const jwks = (await (await fetch(metadata.jwks_uri)).json()) as { keys: { kty: string }[] };
      expect(jwks.keys.length).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
