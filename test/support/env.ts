/**
 * Test environment: the URLs of the real servers some suites need, and loud skipping when one is
 * not configured. A skipped suite is reported in a banner at the end of `npm test`, never counted
 * as passing; under `CI=true` a missing service fails the run instead of skipping.
 */
import { appendFileSync } from 'node:fs';
import { describe } from 'vitest';

/** URLs of the real servers, from the environment `.ci/run` sets. */
export const services = {
  postgres: process.env.TEST_POSTGRES_URL,
  mysql: process.env.TEST_MYSQL_URL,
  redis: process.env.TEST_REDIS_URL,
} as const;

const ENV_NAMES = { postgres: 'TEST_POSTGRES_URL', mysql: 'TEST_MYSQL_URL', redis: 'TEST_REDIS_URL' } as const;

/** Path of Chromium for browser tests. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Records a skipped suite for the end-of-run banner (and fails under CI). */
export function recordSkip(suite: string, reason: string): void {
  if (process.env.CI === 'true') {
    throw new Error(`Suite "${suite}" cannot run under CI: ${reason}. .ci/run must provide it.`);
  }
  const file = process.env.LATCHKEY_SKIP_FILE;
  if (file) appendFileSync(file, `${suite}: ${reason}\n`);
}

/**
 * `describe` when every named service is configured; otherwise a skipped `describe` recorded in
 * the banner.
 */
export function describeWithServices(needs: readonly (keyof typeof services)[], name: string, body: () => void): void {
  const missing = needs.filter((s) => !services[s]);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  recordSkip(name, `${missing.map((m) => ENV_NAMES[m]).join(', ')} not set`);
  describe.skip(name, body);
}
