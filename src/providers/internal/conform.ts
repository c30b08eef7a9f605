/**
 * Token-response fixes shared by presets (`ProtocolHooks.conformTokenResponse`). Internal.
 *
 * @module
 */
import { ProviderError } from '../../errors.js';

/**
 * Some providers (GitHub, Reddit) answer a refused token request with HTTP 200 and an RFC 6749
 * §5.2 error body. This throws the `TOKEN_ERROR` the error status would have produced.
 *
 * @throws {ProviderError} `TOKEN_ERROR` when the body has `error` and no `access_token`.
 * @see [RFC 6749, section 5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export function throwOnErrorBody(body: Readonly<Record<string, unknown>>): void {
  if (typeof body.error === 'string' && body.access_token === undefined) {
    throw new ProviderError('TOKEN_ERROR', {
      error: body.error,
      ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}),
      ...(typeof body.error_uri === 'string' ? { error_uri: body.error_uri } : {}),
      httpStatus: 200,
    });
  }
}
