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

/** One case of {@link interleaved}: an async operation. */
export interface AsyncBenchCase {
  readonly name: string;
  readonly fn: () => Promise<unknown>;
}

/** What {@link interleaved} measured for one case. */
export interface InterleavedCase {
  readonly name: string;
  /** CPU µs per operation of this process, over all rounds. */
  readonly cpuMicros: number;
  /** Operations per second of wall-clock time, over all rounds. */
  readonly opsPerSecond: number;
  /** Total CPU ÷ the baseline's total CPU (per operation). */
  readonly cpuRatio: number;
  /** Throughput ÷ the baseline's throughput. */
  readonly rateRatio: number;
  /**
   * The median of the per-round CPU ratios: the headline figure. On a shared virtual machine a few
   * rounds take several times their usual CPU time (the host's doing, on every case alike); the
   * median is robust to those, where totals are not.
   */
  readonly cpuRatioMedian: number;
  /** A 90% bootstrap confidence interval of that median (rounds resampled). */
  readonly cpuRatioMedianCi: readonly [number, number];
  /** The first and third quartile of the per-round CPU ratios. */
  readonly cpuRatioQuartiles: readonly [number, number];
}

/** The result of {@link interleaved}, with a Markdown table. */
export interface InterleavedResult {
  readonly cases: readonly InterleavedCase[];
  readonly rounds: number;
  readonly opsPerRound: number;
  readonly table: string;
}

/**
 * Runs async cases in rounds of `opsPerRound` operations each, in a fresh random order every round
 * (so slow drift, garbage collections and other processes fall on every case alike), and compares
 * totals against the first case. The same rounds run unmeasured for `warmupMs` first: a loopback
 * `fetch` keeps getting cheaper for its first several thousand calls (V8 tiers the code up).
 * Bounded: at most `rounds` rounds, and no new round after `maxMs`.
 */
export async function interleaved(
  cases: readonly AsyncBenchCase[],
  { rounds = 30, opsPerRound = 100, warmupMs = 5_000, maxMs = 60_000 } = {},
): Promise<InterleavedResult> {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    for (const i of shuffled(cases.map((_, i) => i))) for (let n = 0; n < opsPerRound; n++) await cases[i]!.fn();
  }
  const cpu = cases.map(() => [] as number[]);
  const wall = cases.map(() => [] as number[]);
  const deadline = performance.now() + maxMs;
  let done = 0;
  while (done < rounds && performance.now() < deadline) {
    const order = shuffled(cases.map((_, i) => i));
    for (const i of order) {
      const started = performance.now();
      const before = process.cpuUsage();
      for (let n = 0; n < opsPerRound; n++) await cases[i]!.fn();
      const used = process.cpuUsage(before);
      wall[i]!.push(performance.now() - started);
      cpu[i]!.push(used.user + used.system);
    }
    done++;
  }
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const ops = done * opsPerRound;
  const baseCpu = sum(cpu[0]!);
  const baseWall = sum(wall[0]!);
  const results: InterleavedCase[] = cases.map((c, i) => {
    const perRound = cpu[i]!.map((v, r) => v / cpu[0]![r]!).sort((a, b) => a - b);
    return {
      name: c.name,
      cpuMicros: sum(cpu[i]!) / ops,
      opsPerSecond: ops / (sum(wall[i]!) / 1000),
      cpuRatio: sum(cpu[i]!) / baseCpu,
      rateRatio: baseWall / sum(wall[i]!),
      cpuRatioMedian: median(perRound),
      cpuRatioMedianCi: bootstrapMedianCi(perRound),
      cpuRatioQuartiles: [perRound[Math.floor(done / 4)]!, perRound[Math.floor((3 * done) / 4)]!],
    };
  });
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.cpuMicros.toFixed(0)} | **${r.cpuRatioMedian.toFixed(3)}** | ${r.cpuRatioMedianCi[0].toFixed(3)}–${r.cpuRatioMedianCi[1].toFixed(3)} | ${r.cpuRatio.toFixed(3)} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${r.rateRatio.toFixed(3)} |`,
  );
  const table = [
    '| case | CPU µs/op | CPU ratio, median round | its 90% CI | CPU ratio of totals | ops/s | rate ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { cases: results, rounds: done, opsPerRound, table };
}

/** The 5th and 95th percentile of the median of `xs` resampled with replacement (1000 times). */
function bootstrapMedianCi(xs: readonly number[]): [number, number] {
  const medians: number[] = [];
  const sample = new Array<number>(xs.length);
  for (let b = 0; b < 1000; b++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[Math.floor(Math.random() * xs.length)]!;
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return [medians[50]!, medians[949]!];
}

function shuffled(xs: number[]): number[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
