/**
 * What the transport never lets through from a provider's error answer: the credentials the
 * request itself carried (secret form parameters, the `Authorization` token or Basic secret, in
 * every encoding they were sent), masked before the answer reaches a message or a log.
 *
 * @module
 */
import { toHeaderRecord } from './http-headers.js';
import type { HttpRequest } from './http-types.js';

/** Form parameters whose values are credentials (RFC 6749 §2.3.1, §4.1.3, §6; RFC 7636 §4.5; RFC 7523 §2.2; RFC 7009 §2.1; RFC 8693 §2.1). */
const SECRET_PARAMETERS = [
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'client_assertion',
  'assertion',
  'token',
  'password',
  'device_code',
  'subject_token',
  'actor_token',
];

/** The credentials a request carried: secret form values, and the Authorization header's token or Basic credentials, each also as encoded on the wire. */
function sentSecrets(request: Pick<HttpRequest, 'headers' | 'body'>): string[] {
  const out: string[] = [];
  const add = (value: string | null | undefined): void => {
    if (!value) return;
    out.push(value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2));
  };
  const form = typeof request.body === 'string' ? new URLSearchParams(request.body) : request.body;
  for (const name of SECRET_PARAMETERS) for (const value of form?.getAll(name) ?? []) add(value);
  const authorization = toHeaderRecord(request.headers).authorization;
  const credentials = authorization === undefined ? undefined : /^\s*(\S+)\s+(\S+)/.exec(authorization);
  if (credentials) {
    add(credentials[2]);
    if (credentials[1]!.toLowerCase() === 'basic') {
      let decoded = '';
      try {
        decoded = atob(credentials[2]!);
      } catch {
        // Not base64: the raw value is masked already.
      }
      // RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded, then joined by ":".
      const colon = decoded.indexOf(':');
      if (colon !== -1) {
        const secret = decoded.slice(colon + 1);
        add(secret);
        add(safeDecode(secret));
      }
    }
  }
  // Longest first, so that a value containing another is masked whole.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** `text` with every credential the request carried replaced by `***` (a server that echoes its input would otherwise reflect them). */
export function withoutSentSecrets(text: string, request: Pick<HttpRequest, 'headers' | 'body'>): string {
  let out = text;
  for (const secret of sentSecrets(request)) out = out.split(secret).join('***');
  return out;
}

/** `decodeURIComponent` of a form-encoded value, or the value as it is when it does not decode. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
