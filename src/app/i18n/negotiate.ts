/**
 * Picks the language of a page from the request's `Accept-Language` header.
 *
 * @module
 */

/** At most this much of the header is read, and at most this many ranges (a hostile header costs nothing). */
const MAX_HEADER_LENGTH = 1024;
const MAX_RANGES = 32;
/** RFC 4647 §2.1: language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*". */
const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
/** RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

interface WeightedRange {
  readonly range: string;
  readonly q: number;
  readonly order: number;
}

/** The header's ranges, best first (equal weights keep their order); malformed members are skipped. */
function weightedRanges(header: string): WeightedRange[] {
  const ranges: WeightedRange[] = [];
  const members = header.slice(0, MAX_HEADER_LENGTH).split(',', MAX_RANGES);
  for (const [order, member] of members.entries()) {
    const [rawRange = '', ...params] = member.split(';');
    const range = rawRange.trim().toLowerCase();
    if (!LANGUAGE_RANGE.test(range)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=').map((s) => s.trim());
      // RFC 9110 §12.4.2: the weight parameter is "q", case-insensitive.
      if (name.toLowerCase() !== 'q') continue;
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    // RFC 9110 §12.4.2: q=0 means "not acceptable".
    if (valid && q > 0) ranges.push({ range, q, order });
  }
  return ranges.sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * The offered language that best matches `Accept-Language` (RFC 9110 §12.5.4), by the lookup
 * scheme of RFC 4647 §3.4: each range, best weight first, is tried as is and then shortened
 * subtag by subtag (`de-CH-1996` → `de-CH` → `de`); `*` matches the default.
 *
 * @param header - the `Accept-Language` header, if any.
 * @param offered - the languages the pages exist in, lowercase (`en`, `de`, `pt-br`).
 * @param fallback - the default language (one of `offered`).
 * @returns one of `offered`.
 */
export function pickLanguage(header: string | null | undefined, offered: ReadonlySet<string>, fallback: string): string {
  if (!header) return fallback;
  for (const { range } of weightedRanges(header)) {
    if (range === '*') return fallback;
    let candidate = range;
    while (candidate !== '') {
      if (offered.has(candidate)) return candidate;
      const cut = candidate.lastIndexOf('-');
      // RFC 4647 §3.4: also drop a single-letter subtag left at the end (`zh-x` of `zh-x-foo`).
      candidate = cut < 0 ? '' : candidate.slice(0, cut).replace(/-[a-z0-9]$/, '');
    }
  }
  return fallback;
}
