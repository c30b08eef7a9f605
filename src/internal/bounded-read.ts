/**
 * One bounded reader for Web body streams, shared by the auth routes (request bodies) and the
 * transport (provider responses): bytes are counted as chunks arrive and the stream is cancelled
 * at the first chunk over the budget (or when the deadline passes), so nothing more is read or kept.
 *
 * @module
 */

/** A deadline for the whole body, and the error to throw when it passes. */
export interface ReadDeadline {
  /** Milliseconds from the start of the read. */
  readonly timeoutMs: number;
  /** Makes the error thrown when the deadline passes. */
  readonly timedOut: () => Error;
}

/**
 * Reads a body stream as UTF-8 text, at most `limit` bytes, optionally within a deadline.
 *
 * @param body - the stream (null reads as the empty string).
 * @param limit - the budget in bytes.
 * @param tooLarge - makes the error thrown when the body is longer than `limit`.
 * @param deadline - when the whole body must have arrived; none by default.
 * @returns the text.
 * @throws what `tooLarge` or `deadline.timedOut` return, after cancelling the stream; a read failure as it came.
 */
export async function readBoundedText(body: ReadableStream<Uint8Array> | null, limit: number, tooLarge: () => Error, deadline?: ReadDeadline): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired =
    deadline === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(deadline.timedOut()), deadline.timeoutMs);
        });
  // Handled here too, so a deadline passing while the stream is being cancelled is no unhandled rejection.
  expired?.catch(() => {});
  try {
    for (;;) {
      const { done, value } = await (expired === undefined ? reader.read() : Promise.race([reader.read(), expired]));
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
