import { type Child, useContext } from "hono/jsx";
import { brandStylesheetPath, STYLESHEET_PATH } from "./assets";
import { BrandContext, customColours } from "./brand";

/** The layout's own words (a second language is a second catalogue). */
const TEXT = {
  skip: "Skip to content",
  help: "Help:",
} as const;

/**
 * The shell of every page the Worker serves: header with the product name, main, footer with the support
 * address. One stylesheet from this origin (ui/assets.ts); no inline style and no script unless a page brings
 * one with the response's CSP nonce (http/middleware/security-headers.ts).
 */
export function Layout(props: { title: string; children: Child; narrow?: boolean }) {
  const brand = useContext(BrandContext);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · ${brand.productName}`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
        {customColours(brand) ? <link rel="stylesheet" href={brandStylesheetPath(brand)} /> : null}
      </head>
      <body>
        <header>
          <a class="brand" href="/login">
            {brand.logo ? <img src={brand.logo.path} alt="" height="28" /> : null}
            {brand.productName}
          </a>
        </header>
        <main id="main" class={props.narrow ? "narrow" : undefined}>
          {props.children}
        </main>
        {brand.supportEmail ? (
          <footer>
            {TEXT.help} <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>
          </footer>
        ) : null}
      </body>
    </html>
  );
}
