import { mailName } from "./link-like";
import type { EmailData } from "./types";

/**
 * One piece of a mail's body. Every template is written once as blocks; the plain-text and the HTML body are
 * both rendered from them, so the two cannot drift apart and escaping happens in exactly one place.
 */
export type Block =
  | { kind: "p"; text: string }
  | { kind: "button"; label: string; url: string; secondary?: boolean }
  | { kind: "code"; code: string }
  | { kind: "details"; rows: Array<[label: string, value: string]> };

export interface TemplateDefinition {
  /** The data keys holding URLs, in the order they are reported as `links`. */
  links: readonly string[];
  subject(f: Fields, product: string): string;
  body(f: Fields, product: string): Block[];
  /** "You received this email because … If this wasn't you, …" */
  footer(f: Fields, product: string): string;
}

/**
 * Typed, validating access to a template's data. A missing or malformed value is a bug in the caller, not a
 * user error, so it throws a TypeError naming the key.
 */
export class Fields {
  constructor(private readonly data: EmailData) {}

  optText(key: string): string | undefined {
    const value = this.data[key];
    if (value === undefined) return undefined;
    // One line, so a value cannot forge extra paragraphs in the plain-text body or headers in the subject.
    const text = String(value).replace(/\s+/g, " ").trim();
    return text === "" ? undefined : text;
  }

  text(key: string): string {
    const text = this.optText(key);
    if (text === undefined) throw new TypeError(`Email data is missing "${key}"`);
    return text;
  }

  /** A user-chosen name (display, team, role, inviter): quoted and defanged, see `mailName`. */
  optName(key: string): string | undefined {
    const text = this.optText(key);
    return text === undefined ? undefined : mailName(text);
  }

  name(key: string): string {
    return mailName(this.text(key));
  }

  count(key: string): number {
    const n = Number(this.text(key));
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`Email data "${key}" must be a whole number`);
    return n;
  }

  optUrl(key: string): string | undefined {
    const value = this.data[key];
    if (value === undefined || value === "") return undefined;
    return checkUrl(String(value), `Email data "${key}"`);
  }

  url(key: string): string {
    const url = this.optUrl(key);
    if (url === undefined) throw new TypeError(`Email data is missing "${key}"`);
    return url;
  }

  code(key: string): string {
    const code = this.text(key);
    if (!/^\d{6}$/.test(code)) throw new TypeError(`Email data "${key}" must be a 6-digit code`);
    return code;
  }

  /** The optional "Device / IP address / Location" block; nothing when none of them is given. */
  details(): Block[] {
    const rows: Array<[string, string]> = [];
    for (const [key, label] of [
      ["device", "Device"],
      ["ip", "IP address"],
      ["location", "Location"],
    ] as const) {
      const value = this.optText(key);
      if (value !== undefined) rows.push([label, value]);
    }
    return rows.length > 0 ? [{ kind: "details", rows }] : [];
  }
}

/** Only absolute http(s) URLs without whitespace may go into a mail; anything else (`javascript:`, …) throws. */
export function checkUrl(value: string, what: string): string {
  let parsed: URL | undefined;
  try {
    parsed = /[\s\p{Cc}]/u.test(value) ? undefined : new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") {
    throw new TypeError(`${what} must be an absolute http(s) URL`);
  }
  return value;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

export const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const P_STYLE = "margin:0 0 16px;";
const BUTTON_STYLE =
  "display:inline-block;padding:12px 20px;border-radius:6px;font-weight:600;text-decoration:none;";

export function blockText(block: Block): string {
  switch (block.kind) {
    case "p":
      return block.text;
    case "button":
      return `${block.label}:\n${block.url}`;
    case "code":
      return `    ${block.code}`;
    case "details":
      return block.rows.map(([label, value]) => `${label}: ${value}`).join("\n");
  }
}

/** The mails' default accent: the pages' (ui/brand.ts DEFAULT_BRAND.color). */
export const DEFAULT_ACCENT = "#0b5cad";

/** A block as HTML; `accent` (a checked `#rrggbb`) colours buttons and links, as on the pages. */
export function blockHtml(block: Block, accent: string = DEFAULT_ACCENT): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(accent)) throw new TypeError("accent must be a #rrggbb colour");
  switch (block.kind) {
    case "p":
      return `<p style="${P_STYLE}">${escapeHtml(block.text)}</p>`;
    case "button": {
      const colors = block.secondary
        ? "background:#ffffff;color:#b91c1c;border:1px solid #b91c1c;"
        : `background:${accent};color:#ffffff;border:1px solid ${accent};`;
      const href = escapeHtml(block.url);
      return (
        `<p style="${P_STYLE}"><a href="${href}" style="${BUTTON_STYLE}${colors}">${escapeHtml(block.label)}</a></p>` +
        `<p style="margin:0 0 16px;font-size:13px;color:#52525b;word-break:break-all;">` +
        `Or open this link: <a href="${href}" style="color:${accent};">${href}</a></p>`
      );
    }
    case "code":
      return (
        `<p style="margin:0 0 16px;font-family:Menlo,Consolas,monospace;font-size:32px;font-weight:700;` +
        `letter-spacing:6px;">${escapeHtml(block.code)}</p>`
      );
    case "details":
      return (
        `<p style="margin:0 0 16px;padding:12px 16px;background:#f4f4f5;border-radius:6px;font-size:14px;">` +
        block.rows
          .map(([label, value]) => `<strong>${escapeHtml(label)}:</strong> ${escapeHtml(value)}`)
          .join("<br>") +
        "</p>"
      );
  }
}
