/**
 * Reads a response body as UTF-8 text, refusing it (and cancelling the stream) past `maxBytes`,
 * or once `signal` aborts: a body that drips forever must not hold the caller.
 */
export async function readCapped(response: Response, maxBytes: number, signal?: AbortSignal): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    response.body?.cancel().catch(() => {});
    throw new Error(`the document declares ${declared} bytes, over ${maxBytes}`);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const aborted =
    signal === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          const stop = () => {
            reader.cancel().catch(() => {}); // not awaited, as below
            reject(new Error('the body did not arrive in time'));
          };
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
        });
  aborted?.catch(() => {}); // observed by the race below; never an unhandled rejection
  for (;;) {
    const { done, value } = await (aborted === undefined ? reader.read() : Promise.race([reader.read(), aborted]));
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not awaited: cancelling one branch of a cloned (teed) body settles only once both are cancelled.
      reader.cancel().catch(() => {});
      throw new Error(`the document is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
