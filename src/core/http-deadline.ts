/**
 * The deadlines of the transport's requests: one `AbortSignal` and one timer shared by the
 * requests that start together with the same timeout (a cohort), instead of one per request.
 *
 * @module
 */

/** How long a cohort of requests keeps accepting members, in ms: the timeout's precision. */
const COHORT_WINDOW_MS = 50;
/**
 * Most requests sharing one signal. Each request adds an abort listener to the signal, and both
 * adding one and fetch's own listener bookkeeping walk the signal's listener list: a small cap keeps
 * that walk short and far below Node's EventTarget listener warning.
 */
const COHORT_MAX_MEMBERS = 16;
/** The abort reason of every deadline (one instance: a `DOMException` is costly to create). */
const TIMED_OUT = new DOMException('The operation timed out.', 'TimeoutError');

/** A group of requests sharing one signal and one timer. */
export interface Cohort {
  readonly controller: AbortController;
  /** `performance.now()` after which no request joins. */
  readonly closesAt: number;
  readonly timer: ReturnType<typeof setTimeout>;
  members: number;
  /** Members whose exchange is not over yet (streamed bodies count until the deadline). */
  pending: number;
}

/** The open cohort for each timeout value. */
const openCohorts = new Map<number, Cohort>();

/**
 * Whether requests may share a signal. Not on Cloudflare's workerd: there an `AbortSignal` (and a
 * timer) belongs to the incoming request that created it, and a fetch of another incoming request
 * given it fails with "Cannot perform I/O on behalf of a different request"
 * (`test/workers/signin.test.ts`). workerd names itself `Cloudflare-Workers` in `navigator.userAgent`.
 */
const SHARE_ACROSS_REQUESTS = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent !== 'Cloudflare-Workers';

/**
 * A per-request deadline, shared by the requests that start within {@link COHORT_WINDOW_MS} of
 * each other with the same timeout: they get one `AbortSignal`, aborted by one timer once the
 * last of them has had its full timeout. Each request therefore gets between `timeoutMs` and
 * `timeoutMs + COHORT_WINDOW_MS`. A signal and a timer per request (`AbortSignal.timeout`) cost
 * about a tenth of a loopback request (BENCHMARKS.md). When every member is done and no more can
 * join, the timer is cleared; otherwise aborting a signal whose requests are finished is harmless.
 */
export function startDeadline(timeoutMs: number): Cohort {
  const now = performance.now();
  let cohort = SHARE_ACROSS_REQUESTS ? openCohorts.get(timeoutMs) : undefined;
  if (cohort === undefined || now >= cohort.closesAt || cohort.members >= COHORT_MAX_MEMBERS) {
    // On workerd a cohort closes at once: its one member is this request.
    const windowMs = SHARE_ACROSS_REQUESTS ? COHORT_WINDOW_MS : 0;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs + windowMs);
    // A pending deadline must not keep a process (a CLI, a test run) alive.
    (timer as { unref?: () => void }).unref?.();
    cohort = { controller, closesAt: now + windowMs, timer, members: 0, pending: 0 };
    if (SHARE_ACROSS_REQUESTS) openCohorts.set(timeoutMs, cohort);
  }
  cohort.members++;
  cohort.pending++;
  return cohort;
}

/** One exchange of the cohort is over (body read or refused; call once): the timer goes once all are over. */
export function endDeadline(cohort: Cohort): void {
  cohort.pending--;
  if (cohort.pending === 0 && (cohort.members >= COHORT_MAX_MEMBERS || performance.now() >= cohort.closesAt)) clearTimeout(cohort.timer);
}
