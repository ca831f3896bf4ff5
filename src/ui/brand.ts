import { createContext } from "hono/jsx";
import type { Config } from "../platform/config";
import { type Logo, logoOf } from "./logo";

/**
 * The branding every page and mail shows: product name, support address and colours, from configuration
 * (PRODUCT_NAME, SUPPORT_EMAIL, BRAND_COLOR, BRAND_COLOR_DARK; the colours are checked for WCAG AA contrast
 * when the configuration is parsed). Gatehouse's own look is the default.
 */
export interface Brand {
  productName: string;
  supportEmail: string | null;
  color: string;
  colorDark: string;
  /** The configured logo (BRAND_LOGO), served from this origin; null: the name alone. */
  logo: Logo | null;
}

export const DEFAULT_BRAND: Brand = {
  productName: "Gatehouse",
  supportEmail: null,
  color: "#0b5cad",
  colorDark: "#4493f8",
  logo: null,
};

export function brandOf(config: Config): Brand {
  return {
    productName: config.PRODUCT_NAME,
    supportEmail: config.SUPPORT_EMAIL ?? null,
    color: config.BRAND_COLOR,
    colorDark: config.BRAND_COLOR_DARK,
    logo: logoOf(config.BRAND_LOGO),
  };
}

/** The request's brand, provided by renderPage to every component (Layout reads it). */
export const BrandContext = createContext<Brand>(DEFAULT_BRAND);

/** The colours differ from the stylesheet's own: the page links the brand sheet (ui/assets.ts). */
export function customColours(brand: Brand): boolean {
  return brand.color !== DEFAULT_BRAND.color || brand.colorDark !== DEFAULT_BRAND.colorDark;
}

/** The brand sheet: the stylesheet's colour properties, overridden (no inline style: the CSP allows none). */
export function brandStylesheet(brand: Brand): string {
  return (
    `:root{--primary:${brand.color}}` +
    `@media (prefers-color-scheme: dark){:root{--primary:${brand.colorDark}}}`
  );
}
