/**
 * The long fuzz run, `npm run fuzz`: every target (or those named on the command line, by a part
 * of their name) up to FUZZ_RUNS inputs (default 1,000,000) or FUZZ_SECONDS per target (default
 * 600), whichever comes first. Prints one line per target (inputs run, accepted, rate, failure) and
 * exits 1 when any invariant broke. FUZZ_SEED replays a seed.
 *
 *   npm run fuzz                              # all targets
 *   FUZZ_SECONDS=60 npm run fuzz -- return-to # one target, one minute
 */
import { runTarget } from './support.js';
import { TARGETS } from './targets.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const timeLimitMs = Number(process.env.FUZZ_SECONDS ?? 600) * 1000;
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
const wanted = process.argv.slice(2);
const targets = wanted.length === 0 ? TARGETS : TARGETS.filter((t) => wanted.some((w) => t.name.includes(w)));

let failures = 0;
console.log(`fuzz: ${targets.length} targets, up to ${numRuns} inputs or ${timeLimitMs / 1000} s each`);
for (const target of targets) {
  const r = await runTarget(target, { numRuns, timeLimitMs, ...(seed !== undefined ? { seed } : {}) });
  const rate = Math.round((r.runs / Math.max(r.ms, 1)) * 1000);
  console.log(
    `${r.name.padEnd(36)} inputs=${r.runs} accepted=${r.accepted ?? '-'} ${(r.ms / 1000).toFixed(0)}s ${rate}/s ${r.interrupted ? 'time limit' : 'complete'} ${r.failed ? 'FAILED' : 'ok'}`,
  );
  if (r.failed) {
    failures++;
    console.log(r.failure);
  }
}
process.exit(failures === 0 ? 0 : 1);
