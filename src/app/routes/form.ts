/**
 * The form body of a POST route, read by the handler within the body budget (`edge.ts`).
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import { type AuthRequest, headerOf } from '../http-shapes.js';

/**
 * The form of a POST whose body the handler already read within the budget.
 *
 * @param request - the request (its `Content-Type`).
 * @param body - the body text.
 * @returns the parameters.
 * @throws SessionError `BAD_REQUEST` when the body is not `application/x-www-form-urlencoded`.
 */
export function readForm(request: Request | AuthRequest, body: string): URLSearchParams {
  const type = headerOf(request, 'content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new SessionError('BAD_REQUEST', 'Expected an application/x-www-form-urlencoded body.');
  }
  return new URLSearchParams(body);
}
