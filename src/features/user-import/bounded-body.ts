import { AuthError } from "../../platform/errors";

/** An import file is at most 5 MB (../shared/API.md). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

function tooLarge(max: number): AuthError {
  return new AuthError("payload_too_large", { detail: `The file must not exceed ${max} bytes (5 MB).` });
}

/**
 * Reads a request body into memory, refusing it with 413 `payload_too_large` as soon as it is larger than
 * `max`: a declared Content-Length above the limit is refused before a byte is read, and a body without one
 * (chunked) is counted while it streams — at most `max` bytes plus one network chunk are ever held.
 */
export async function readBoundedBody(request: Request, max = MAX_IMPORT_BYTES): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge(max);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    parts.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}
