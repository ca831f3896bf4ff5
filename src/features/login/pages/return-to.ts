/**
 * The rule "`return_to` sends the user back to the SaaS, never anywhere else" (open-redirect protection, OWASP
 * Unvalidated Redirects). A `return_to` is kept only when it is a path on this origin (`/…`, never `//…` or `/\…`)
 * or an absolute http(s) URL whose origin is PUBLIC_ORIGIN or one of CORS_ORIGINS (the SaaS front ends the
 * deployment already trusts). Anything else — another origin, `javascript:`, credentials in the URL, control
 * characters — is dropped, and the user lands on the default page.
 */
export function safeReturnTo(value: string | undefined, allowedOrigins: readonly string[]): string | null {
  if (!value || value.length > 2048) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  if (value.startsWith("/")) return value.startsWith("//") ? null : value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password) return null;
  return allowedOrigins.includes(url.origin) ? url.href : null;
}
