import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { type Brand, brandOf, brandStylesheet } from "./brand";
import { STRENGTH_METER_JS, STRENGTH_METER_PATH } from "./strength";
import { STYLESHEET } from "./styles";

/** FNV-1a (32 bit) of a text, as 8 hex digits: a fingerprint that changes whenever the text does. */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** The stylesheet's URL: its fingerprint in the name, so a changed sheet is a new URL and the old one can be cached forever. */
export const STYLESHEET_PATH = `/assets/app.${fingerprint(STYLESHEET)}.css`;

/**
 * Static assets, served by the Worker itself (the same under `wrangler dev`, the vitest pool and production):
 * fingerprinted names, `Cache-Control: public, max-age=31536000, immutable`. Any other name is a 404.
 */
export function assetRoutes() {
  return new Hono<AppEnv>()
    .get(STYLESHEET_PATH, (c) => {
      c.header("Content-Type", "text/css; charset=utf-8");
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(STYLESHEET);
    })
    .get(STRENGTH_METER_PATH, (c) => {
      c.header("Content-Type", "text/javascript; charset=utf-8");
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(STRENGTH_METER_JS);
    })
    .get("/assets/:name{logo\\.[0-9a-f]{8}\\.(?:png|svg|webp|jpg)}", (c) => {
      // Only the configured logo's name exists (ui/logo.ts); another fingerprint is a 404.
      const logo = brandOf(c.var.config).logo;
      if (!logo || c.req.path !== logo.path) return c.notFound();
      c.header("Content-Type", logo.type);
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(logo.bytes);
    })
    .get("/assets/:name{brand\\.[0-9a-f]{8}\\.css}", (c) => {
      // Only the current configuration's sheet exists; an old fingerprint is gone (404), never stale.
      const brand = brandOf(c.var.config);
      if (c.req.path !== brandStylesheetPath(brand)) return c.notFound();
      c.header("Content-Type", "text/css; charset=utf-8");
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(brandStylesheet(brand));
    });
}

/** The brand sheet's URL (its content's fingerprint in the name, like the stylesheet's). */
export function brandStylesheetPath(brand: Brand): string {
  return `/assets/brand.${fingerprint(brandStylesheet(brand))}.css`;
}
