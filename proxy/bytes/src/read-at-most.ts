/**
 * Reads a body whole but never past a byte limit, counting as the chunks arrive: the one guard against bodies
 * larger than expected, whether they declared their size or not. Web-standard only.
 */
import { concatBytes } from "./bytes.js";

/** What a web ReadableStream's default reader offers (and Node's upstream adapter imitates). */
export interface ChunkReader {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * The stream's first `maxBytes` bytes, joined; `complete` is false when there was more, and then the stream has
 * been cancelled (which frees or closes its connection), so at most one chunk past the limit is ever held.
 */
export async function readPrefix(reader: ChunkReader, maxBytes: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let complete = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value || value.byteLength === 0) continue;
    if (total + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - total));
      total = maxBytes;
      complete = false;
      await reader.cancel().catch(() => {});
      break;
    }
    total += value.byteLength;
    chunks.push(value);
  }
  return { bytes: concatBytes(chunks, total), complete };
}

/** The stream's bytes, joined; more than `maxBytes` cancels the stream and throws `tooLarge()`. */
export async function readAtMost(reader: ChunkReader, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  const { bytes, complete } = await readPrefix(reader, maxBytes);
  if (!complete) throw tooLarge();
  return bytes;
}
