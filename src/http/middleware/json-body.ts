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

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * Requests with a body on the JSON API must say it is JSON (415 otherwise), so nothing is guessed. The one
 * exception is `formPaths`: POST routes a server-rendered page's form posts to without JavaScript (the
 * confirmation page of a mailed link), which also take `application/x-www-form-urlencoded` — and nothing else.
 */
export function requireJsonContentType(options: { formPaths?: readonly string[] } = {}) {
  const formPaths = new Set(options.formPaths ?? []);
  return createMiddleware<AppEnv>(async function jsonContentType(c, next) {
    const method = c.req.method;
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      const length = c.req.header("content-length");
      const hasBody = length !== undefined ? length !== "0" : c.req.raw.body !== null;
      const type = c.req.header("content-type") ?? "";
      const formPost = method === "POST" && formPaths.has(c.req.path) && FORM_TYPE.test(type);
      if (hasBody && !JSON_TYPE.test(type) && !formPost) {
        throw new AuthError("unsupported_media_type");
      }
    }
    await next();
  });
}
