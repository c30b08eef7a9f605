/**
 * The quick fuzz run in `npm test`: every target of `targets.ts` with its `quickRuns` inputs (a
 * few hundred to a few thousand; `npm run fuzz` runs a million each). A failure prints fast-check's
 * shrunk counterexample and seed. Targets that can accept input must have accepted some: a
 * property that refuses everything would check nothing.
 */
import { describe, expect, it } from 'vitest';
import { runTarget } from './support.js';
import { TARGETS } from './targets.js';

describe('fuzz (quick run)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.invariants.length} invariants hold for ${target.quickRuns} inputs`, { timeout: 120_000 }, async () => {
      const report = await runTarget(target, { numRuns: target.quickRuns, timeLimitMs: 60_000 });
      expect(report.failure ?? '').toBe('');
      expect(report.runs).toBeGreaterThan(0);
      if (report.accepted !== undefined) expect(report.accepted).toBeGreaterThan(0);
    });
  }
});
