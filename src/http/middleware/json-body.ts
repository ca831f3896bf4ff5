import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { AuthError } from "../../platform/errors";
import type { AppEnv } from "../app-env";

/** JSON API bodies are small: anything larger than this is refused with 413 before it is parsed. */
export const MAX_JSON_BODY = 64 * 1024;

/** 413 for oversized bodies (checked against Content-Length and while streaming). */
export function jsonBodyLimit(maxSize = MAX_JSON_BODY) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AuthError("payload_too_large", {
        detail: `The request body must not exceed ${maxSize} bytes.`,
      });
    },
  });
}

/** Requests with a body on the JSON API must say it is JSON (415 otherwise), so nothing is guessed. */
export function requireJsonContentType() {
  return createMiddleware<AppEnv>(async function jsonContentType(c, next) {
    const method = c.req.method;
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      const length = c.req.header("content-length");
      const hasBody = length !== undefined ? length !== "0" : c.req.raw.body !== null;
      const type = c.req.header("content-type") ?? "";
      if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
        throw new AuthError("unsupported_media_type");
      }
    }
    await next();
  });
}
