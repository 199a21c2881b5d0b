import { AppError } from "./errors";

/** The 413 every body reader answers with. */
export const bodyTooLarge = (limit: number) =>
  new AppError("payload_too_large", `The request body is larger than ${Math.floor(limit / 1024)} KiB.`, { details: { limitBytes: limit } });

/**
 * The whole body of `request`, or a 413 AppError: first on a declared Content-Length over
 * `limit`; a body without one (chunked) while reading, as soon as the bytes pass `limit` (it
 * cannot slip past, and the rest is never read).
 */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) throw bodyTooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  if (declared !== null) {
    // A declared length is what the runtime delivers (a fixed-length body): read it at once,
    // which costs a fraction of the chunk loop below on hot paths such as Stripe's webhook.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw bodyTooLarge(limit);
    return bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
