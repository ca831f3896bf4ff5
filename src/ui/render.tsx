import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../http/app-env";
import { BrandContext, brandOf, DEFAULT_BRAND } from "./brand";
import { LIVE_SEARCH_MARKER, liveSearchScript } from "./live-search";
import { strengthLoaderScript } from "./strength";

/**
 * Renders a page with its doctype (hono/jsx renders elements only) and the configured brand in context (the
 * Layout reads it); pages are never cached.
 */
export async function renderPage(
  c: Context<AppEnv>,
  element: JSX.Element,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  c.header("Cache-Control", "no-store");
  const config = c.var.config as AppEnv["Variables"]["config"] | undefined;
  const brand = config ? brandOf(config) : DEFAULT_BRAND;
  const page = <BrandContext.Provider value={brand}>{element}</BrandContext.Provider>;
  let html = `<!doctype html>${await page.toString()}`;
  // Only a page with a new-password field carries the strength meter's loader (no script where none is needed).
  if (html.includes(" data-strength=")) {
    html = html.replace("</body>", `${strengthLoaderScript(c.var.secureHeadersNonce)}</body>`);
  }
  // A search form that updates its results as one types (the form works without it).
  if (html.includes(LIVE_SEARCH_MARKER)) {
    html = html.replace("</body>", `${liveSearchScript(c.var.secureHeadersNonce)}</body>`);
  }
  return c.html(html, status);
}
