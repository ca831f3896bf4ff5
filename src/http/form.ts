import type { Context } from "hono";
import { AuthError } from "../platform/errors";
import type { AppEnv } from "./app-env";

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The fields of a page's form POST (form-encoded, at most 16 KiB). A browser's POST from another site is
 * refused (`csrf_failed`): Sec-Fetch-Site same-origin (or none), and an `Origin` of this origin or PUBLIC_ORIGIN — the login CSRF defence of the
 * pages, which sign in without a session yet (session cookies are SameSite=Lax on top).
 */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  // Browsers say where a request comes from in Sec-Fetch-Site; under our `Referrer-Policy: no-referrer` a
  // same-origin form post carries `Origin: null`, which only that header vouches for.
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
  const foreignOrigin =
    origin !== undefined &&
    origin !== new URL(c.req.url).origin &&
    origin !== c.var.config.PUBLIC_ORIGIN &&
    !(origin === "null" && site === "same-origin");
  if (crossSite || foreignOrigin) {
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
