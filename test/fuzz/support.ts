/**
 * Shared by the fuzz targets, the quick run (`fuzz.test.ts`, in `npm test`) and the long run
 * (`run.ts`, `npm run fuzz`): what a target is, how one is run within a count and a time limit,
 * the "only typed Latchkey errors escape" check, and the hostile-string arbitraries.
 *
 * No vitest import here: `run.ts` runs under plain tsx.
 */
import fc from 'fast-check';
import { LatchkeyError } from '../../src/errors.js';
import { BoundedMap } from '../../src/internal/bounded-map.js';

/** A started target: its property and how to stop what it started (servers). */
export interface StartedTarget {
  readonly property: fc.IAsyncPropertyWithHooks<never> | fc.IAsyncProperty<never> | fc.IProperty<never>;
  close?(): Promise<void>;
  /** How many inputs were accepted (parsed, verified): a target that never accepts checks nothing. */
  accepted?(): number;
}

/** One boundary that parses outside input, with the invariants its property checks. */
export interface FuzzTarget {
  readonly name: string;
  /** The invariants, one sentence each (docs/reliability.md lists them). */
  readonly invariants: readonly string[];
  /** Inputs for the quick run in `npm test`. */
  readonly quickRuns: number;
  /** Builds the property (and starts servers, if the target needs them). */
  start(): Promise<StartedTarget>;
}

/** What one run of a target came to. */
export interface TargetReport {
  readonly name: string;
  readonly runs: number;
  readonly failed: boolean;
  readonly interrupted: boolean;
  readonly ms: number;
  /** Inputs accepted (undefined when the target does not count them). */
  readonly accepted: number | undefined;
  /** fast-check's report of a failure: the shrunk counterexample and the error. */
  readonly failure?: string;
}

/**
 * Runs a target up to `numRuns` inputs or `timeLimitMs`, whichever comes first.
 *
 * @returns the count of inputs run and the failure, if any.
 */
export async function runTarget(target: FuzzTarget, options: { numRuns: number; timeLimitMs: number; seed?: number }): Promise<TargetReport> {
  const started = await target.start();
  const t0 = performance.now();
  try {
    const details = await fc.check(started.property as fc.IAsyncProperty<unknown>, {
      numRuns: options.numRuns,
      interruptAfterTimeLimit: options.timeLimitMs,
      markInterruptAsFailure: false,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    return {
      name: target.name,
      runs: details.numRuns,
      failed: details.failed,
      interrupted: details.interrupted,
      ms: Math.round(performance.now() - t0),
      accepted: started.accepted?.(),
      ...(details.failed ? { failure: fc.defaultReportMessage(details) ?? 'failed' } : {}),
    };
  } finally {
    await started.close?.();
  }
}

/** Thrown by a property when an invariant does not hold. */
export class InvariantBroken extends Error {
  override name = 'InvariantBroken';
}

/** Fails the property unless `condition` holds. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantBroken(message);
}

/**
 * Re-throws anything that is not a typed Latchkey error (a `TypeError`, `RangeError`,
 * `SyntaxError` or a plain `Error` from deep inside is a crash) and returns the typed one.
 */
export function typedOnly(error: unknown, allowed?: readonly string[]): LatchkeyError {
  if (error instanceof InvariantBroken) throw error;
  if (!(error instanceof LatchkeyError)) {
    const e = error as { name?: string; message?: string; stack?: string };
    throw new InvariantBroken(`untyped ${e?.name ?? typeof error} escaped: ${String(e?.message ?? error).slice(0, 300)}\n${e?.stack ?? ''}`);
  }
  if (allowed && !allowed.includes(error.code)) throw new InvariantBroken(`unexpected code ${error.code}: ${error.message.slice(0, 200)}`);
  return error;
}

/** Runs `fn`; returns its value, or the typed Latchkey error it threw (anything else fails). */
export async function outcome<T>(fn: () => T | Promise<T>, allowed?: readonly string[]): Promise<{ ok: true; value: T } | { ok: false; error: LatchkeyError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: typedOnly(error, allowed) };
  }
}

/** Characters that parsers of URLs, cookies, forms and JSON care about. */
const TRICKY = [
  '/',
  '\\',
  '.',
  '..',
  '%',
  '%2e',
  '%2E',
  '%2f',
  '%2F',
  '%5c',
  '%25',
  '%09',
  '%0a',
  '%0d',
  '%00',
  '@',
  ':',
  '?',
  '#',
  '&',
  '=',
  ';',
  ',',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u007f',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\ud800',
  '"',
  "'",
  '<',
  '>',
  '+',
  '-',
  '_',
  '~',
  '*',
  'é',
  '😀',
  'ｅ',
  '／',
  '＼',
  'http:',
  'https:',
  'javascript:',
  'evil.example',
  'localhost',
  '127.0.0.1',
  '[::1]',
];

/** A string built from URL, cookie and form separators and a few ordinary characters. */
export function hostileString(maxLength = 40): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: 'grapheme-ascii' }) }), {
      maxLength,
    })
    .map((parts) => parts.join(''));
}

/** Any string: hostile, full-unicode or plain ASCII. */
export function anyString(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(hostileString(maxLength), fc.string({ maxLength, unit: 'binary' }), fc.string({ maxLength }));
}

/**
 * Keeps track of every {@link BoundedMap} written to while it is installed, so a target can check
 * that each stayed within `maxEntries` after many hostile inputs.
 */
export function watchBoundedMaps(): { check(): { maps: number; largest: number }; restore(): void } {
  const seen = new Set<BoundedMap<unknown, unknown>>();
  const proto = BoundedMap.prototype as unknown as { set: (...args: unknown[]) => unknown };
  const original = proto.set;
  proto.set = function (this: BoundedMap<unknown, unknown>, ...args: unknown[]) {
    seen.add(this);
    return original.apply(this, args);
  };
  return {
    check() {
      let largest = 0;
      for (const map of seen) {
        const { size, maxEntries: max } = map;
        invariant(size <= max, `a bounded map holds ${size} entries over its ${max}`);
        largest = Math.max(largest, size);
      }
      return { maps: seen.size, largest };
    },
    restore() {
      proto.set = original;
    },
  };
}

/**
 * A valid object with up to `maxChanges` members replaced (by their arbitrary) or removed, or, in
 * one case out of `exactWeight + 1`, the valid object itself: inputs near acceptance, where a lax
 * check would let something through.
 */
export function nearly(
  valid: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, fc.Arbitrary<unknown>>>,
  maxChanges = 2,
): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(changes);
  const change = fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), fc.option(changes[name]!, { freq: 6, nil: DELETE })));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ ...valid }) },
    {
      weight: 4,
      arbitrary: fc.array(change, { minLength: 1, maxLength: maxChanges }).map((list) => {
        const out: Record<string, unknown> = { ...valid };
        for (const [name, value] of list) {
          if (value === DELETE) delete out[name];
          else out[name] = value;
        }
        return out;
      }),
    },
  );
}
const DELETE = Symbol('delete');
