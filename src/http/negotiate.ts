/** A browser navigation asks for HTML before JSON (links opened from a mail, redirects after a form). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf("text/html");
  const jsonAt = accept.indexOf("application/json");
  return html !== -1 && (jsonAt === -1 || html < jsonAt);
}

/**
 * The client named JSON and does not prefer HTML: a programmatic client. A bare wildcard Accept (mail scanners,
 * link previews, curl) or no Accept header does not count, so a link that acts on GET for JSON clients never acts
 * for something that merely opens it.
 */
export function asksForJson(accept: string | undefined): boolean {
  return accept !== undefined && /application\/(?:[\w.+-]+\+)?json/i.test(accept) && !prefersHtml(accept);
}
