/**
 * What both doctors share (`doctor.ts` for the environment, `doctor-app.ts` for `--config`): the
 * finding levels and their marks, and the clock-skew check.
 *
 * @module
 */
import { redactUrlsIn } from '../internal/redact.js';

/** A finding's severity. */
export type DoctorLevel = 'ok' | 'warn' | 'error' | 'info';
/** The mark printed before a finding of each level. */
export const MARK: Readonly<Record<DoctorLevel, string>> = { ok: '  ✓', warn: '  !', error: '  ✗', info: '   ' };

/** A doctor's findings: printed as they come, counted for the summary line and the exit code. */
export interface Findings {
  /** Prints a finding (credentials in any URL masked) and counts it. */
  say(level: DoctorLevel, text: string): void;
  /** How many errors so far. */
  errors(): number;
  /** Prints the summary line; returns the exit code (1 when there are errors). */
  finish(): number;
}

/**
 * Starts a report.
 *
 * @param out - where lines go.
 * @returns the findings.
 */
export function createFindings(out: (line: string) => void): Findings {
  let errors = 0;
  let warnings = 0;
  return {
    say(level, text) {
      if (level === 'error') errors++;
      if (level === 'warn') warnings++;
      // Every finding may quote a URL from the environment or an error message: mask its credentials.
      out(`${MARK[level]} ${redactUrlsIn(text)}`);
    },
    errors: () => errors,
    finish() {
      out(errors > 0 ? `${errors} problem(s) to fix, ${warnings} warning(s).` : warnings > 0 ? `No problems; ${warnings} warning(s).` : 'No problems found.');
      return errors > 0 ? 1 : 0;
    },
  };
}

/** Clock skew above this is a warning (seconds): ID token `iat`/`exp` checks tolerate 30 s by default. */
export const SKEW_WARN_SECONDS = 10;
/** Clock skew above this is an error: sign-ins fail with ID_TOKEN_IAT_INVALID / ID_TOKEN_EXPIRED. */
export const SKEW_ERROR_SECONDS = 30;

/**
 * Clock skew: the provider's `Date` header (RFC 9110 §6.6.1) against this machine's clock, 1 s
 * resolution; ID token `iat`/`exp` checks tolerate {@link SKEW_ERROR_SECONDS}.
 *
 * @param target - a provider URL that answers quickly (its token endpoint or discovery document).
 * @param say - where findings go.
 * @param options - transport, timeout and clock.
 */
export async function checkClockSkew(
  target: string,
  say: (level: DoctorLevel, text: string) => void,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } & { now: () => number },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const f = options.fetch ?? fetch;
    const started = options.now();
    const res = await f(target, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const date = res.headers.get('date');
    if (!date) {
      say('info', 'Clock skew: the provider sent no Date header; cannot compare clocks.');
      return;
    }
    const local = (started + options.now()) / 2;
    const skew = Math.round((local - Date.parse(date)) / 1000);
    const abs = Math.abs(skew);
    const text = `Clock skew: ${abs <= 1 ? 'under 2 s' : `${abs} s (${skew > 0 ? 'this machine is ahead' : 'this machine is behind'})`}`;
    if (abs > SKEW_ERROR_SECONDS) say('error', `${text}: ID token checks will fail. Synchronize the clock (NTP).`);
    else if (abs > SKEW_WARN_SECONDS) say('warn', `${text}: close to the ${SKEW_ERROR_SECONDS} s tolerance. Synchronize the clock (NTP).`);
    else say('ok', text);
  } catch (error) {
    say('warn', `Clock skew: could not reach ${new URL(target).origin} (${error instanceof Error ? error.name : 'error'}).`);
  }
}
