import type { Context } from "hono";
import { AuthError } from "../platform/errors";
import type { AppEnv } from "./app-env";

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The fields of a page's form POST (form-encoded, at most 16 KiB). A browser's POST from another site is
 * refused (`csrf_failed`): its `Origin` must be this origin or PUBLIC_ORIGIN — the login CSRF defence of the
 * pages, which sign in without a session yet (session cookies are SameSite=Lax on top).
 */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin && origin !== c.var.config.PUBLIC_ORIGIN) {
    throw new AuthError("csrf_failed", { detail: "This form was sent from another site." });
  }
  if (!FORM_TYPE.test(c.req.header("content-type") ?? "")) throw new AuthError("unsupported_media_type");
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > MAX_FORM_BYTES) throw new AuthError("payload_too_large");
  const text = new TextDecoder().decode(bytes);
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) fields[name] ??= value;
  return fields;
}
