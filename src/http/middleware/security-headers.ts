import { NONCE, secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response: HSTS for two years with subdomains, a strict CSP (everything from
 * our own origin only, no framing; scripts only with this response's nonce — `c.var.secureHeadersNonce`,
 * fresh per request — never inline or from attributes; styles from the stylesheet only),
 * `X-Frame-Options: DENY`, nosniff and a strict referrer policy (so one-time tokens in URLs never leak
 * through `Referer`).
 */
export function securityHeaders() {
  return secureHeaders({
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
    xFrameOptions: "DENY",
    xContentTypeOptions: "nosniff",
    referrerPolicy: "no-referrer",
    crossOriginOpenerPolicy: "same-origin",
    crossOriginResourcePolicy: "same-origin",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: [NONCE],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      // Only Turnstile's challenge may be framed here (ui/captcha.tsx); its script comes in by nonce.
      frameSrc: ["https://challenges.cloudflare.com"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
  });
}
