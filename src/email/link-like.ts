/**
 * What a mail client could turn into a link inside a user-chosen name. Mail clients linkify plain text (and the
 * text of HTML mails) on their own, so a team called "evil.com/login" or a display name "www.evil" would become
 * a clickable link in a mail Gatehouse sends: a phishing link with Gatehouse's sender address. Names are refused
 * when they contain one (`HumanName` in http/schemas.ts) and mails defang whatever gets through anyway (names
 * stored before the rule). Pure, no dependencies: both the HTTP layer and the templates use it.
 */

/** Full stops a linkifier or a browser's IDNA mapping may treat as a dot (ASCII, ideographic, fullwidth, halfwidth). */
const DOT = "[.\\u3002\\uFF0E\\uFF61]";
const LABEL = "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?";
const PATTERNS = [
  // any scheme followed by "//": http://, https://, ftp://, …
  "[\\p{L}][\\p{L}\\p{N}+.-]*:\\/\\/",
  // www.…, www2.…
  `(?<![\\p{L}\\p{N}])www\\d{0,3}${DOT}`,
  // a bare domain: labels and a top-level label of two or more letters (evil.com, acme.io/login, 例子.广告)
  `(?<![\\p{L}\\p{N}-])${LABEL}(?:${DOT}${LABEL})*${DOT}(?:\\p{L}{2,63}|xn--[\\p{L}\\p{N}-]+)(?![\\p{L}\\p{N}-])`,
  // a dotted IPv4 address
  `(?<![\\p{N}.])\\d{1,3}(?:${DOT}\\d{1,3}){3}(?![\\p{N}])`,
];
const LINK_LIKE = new RegExp(PATTERNS.join("|"), "iu");
const LINK_LIKE_ALL = new RegExp(PATTERNS.join("|"), "giu");

/** True when `text` holds a URL, a `www.` prefix, a bare domain (or an address with one) or an IPv4 address. */
export function containsLink(text: string): boolean {
  return LINK_LIKE.test(text.normalize("NFKC"));
}

/** Breaks every link-like part of `text` so no mail client renders it as a link: `evil[.]com`, `https[:]//`. */
export function defangLinks(text: string): string {
  return text.replace(LINK_LIKE_ALL, (part) =>
    part.replace(new RegExp(DOT, "gu"), "[.]").replace(/:\/\//g, "[:]//"),
  );
}

/**
 * A user-chosen name (display, team, role or inviter name) as mails show it: in quotes, so the reader sees where
 * the chosen text starts and ends, and defanged, so it cannot render as a link. HTML escaping is the renderer's.
 */
export function mailName(name: string): string {
  return `“${defangLinks(name)}”`;
}
