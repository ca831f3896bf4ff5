import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Renders a page with its doctype (hono/jsx renders elements only); pages are never cached. */
export async function renderPage(
  c: Context,
  element: JSX.Element,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  c.header("Cache-Control", "no-store");
  return c.html(`<!doctype html>${await element.toString()}`, status);
}
