/** A browser navigation asks for HTML before JSON (links opened from a mail, redirects after a form). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf("text/html");
  const jsonAt = accept.indexOf("application/json");
  return html !== -1 && (jsonAt === -1 || html < jsonAt);
}
