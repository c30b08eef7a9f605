/**
 * Benchmark helpers. Results are ratios measured in one run: the candidate and its baseline run in
 * interleaved rounds, so machine noise affects both alike. Every loop is bounded in time and count.
 */

/** One measured case. */
export interface BenchCase {
  readonly name: string;
  /** One operation. */
  readonly fn: () => unknown;
}

/** The ops/s of each case, as medians over rounds. */
export interface BenchResult {
  readonly name: string;
  readonly opsPerSecond: number;
}

/**
 * Runs each case for `roundMs` per round, interleaved, for `rounds` rounds (after a warm-up), and
 * returns the median ops/s of each. Bounded: at most `maxOpsPerRound` operations per case and round.
 */
export async function compare(
  cases: readonly BenchCase[],
  { rounds = 5, roundMs = 400, warmupMs = 300, maxOpsPerRound = 5_000_000 } = {},
): Promise<BenchResult[]> {
  for (const c of cases) await runFor(c.fn, warmupMs, maxOpsPerRound);
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) samples[i]!.push(await runFor(cases[i]!.fn, roundMs, maxOpsPerRound));
  }
  return cases.map((c, i) => ({ name: c.name, opsPerSecond: median(samples[i]!) }));
}

async function runFor(fn: () => unknown, ms: number, maxOps: number): Promise<number> {
  const start = performance.now();
  const end = start + ms;
  let ops = 0;
  while (ops < maxOps) {
    await fn();
    ops++;
    if ((ops & 15) === 0 && performance.now() >= end) break;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Formats results with ratios against the first (baseline) case, as a Markdown table. */
export function table(results: readonly BenchResult[], baselineName = results[0]?.name): string {
  const base = results.find((r) => r.name === baselineName)?.opsPerSecond ?? 1;
  const rows = results.map((r) => `| ${r.name} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${(r.opsPerSecond / base).toFixed(2)} |`);
  return ['| case | ops/s | ratio to baseline |', '| --- | ---: | ---: |', ...rows].join('\n');
}
