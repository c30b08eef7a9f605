/**
 * One bounded reader for Web body streams, shared by the auth routes (request bodies) and the
 * transport (provider responses): bytes are counted as chunks arrive and the stream is cancelled
 * at the first chunk over the budget, so nothing more is read or kept.
 *
 * @module
 */

/**
 * Reads a body stream as UTF-8 text, at most `limit` bytes.
 *
 * @param body - the stream (null reads as the empty string).
 * @param limit - the budget in bytes.
 * @param tooLarge - makes the error thrown when the body is longer than `limit`.
 * @returns the text.
 * @throws whatever `tooLarge` returns, after cancelling the stream; a read failure as it came.
 */
export async function readBoundedText(body: ReadableStream<Uint8Array> | null, limit: number, tooLarge: () => Error): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
