import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";

/** Renders a page with its doctype (hono/jsx renders elements only). */
export async function renderPage(
  c: Context,
  element: JSX.Element,
  status: 200 | 400 | 404 | 409 = 200,
): Promise<Response> {
  return c.html(`<!doctype html>${await element.toString()}`, status);
}
