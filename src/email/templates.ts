import { mailName } from "./link-like";
import type { EmailData, EmailTemplate, RenderedEmail } from "./types";

/** What the mails say about the sender: the product's name and its public origin (shown in the footer). */
export interface EmailBrand {
  productName: string;
  publicOrigin: string;
}

/**
 * One piece of a mail's body. Every template is written once as blocks; the plain-text and the HTML body are
 * both rendered from them, so the two cannot drift apart and escaping happens in exactly one place.
 */
type Block =
  | { kind: "p"; text: string }
  | { kind: "button"; label: string; url: string; secondary?: boolean }
  | { kind: "code"; code: string }
  | { kind: "details"; rows: Array<[label: string, value: string]> };

interface TemplateDefinition {
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
class Fields {
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
function checkUrl(value: string, what: string): string {
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
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function resetOffer(f: Fields, lead: string): Block[] {
  const resetUrl = f.optUrl("resetUrl");
  if (resetUrl === undefined) return [{ kind: "p", text: `${lead} Change your password right away.` }];
  return [
    { kind: "p", text: lead },
    { kind: "button", label: "Reset your password", url: resetUrl },
  ];
}

const TEMPLATES: Record<EmailTemplate, TemplateDefinition> = {
  verify_email: {
    links: ["verifyUrl"],
    subject: () => "Confirm your email address",
    body: (f, product) => [
      {
        kind: "p",
        text: `Thanks for signing up for ${product}. Please confirm that this is your email address.`,
      },
      { kind: "button", label: "Confirm email address", url: f.url("verifyUrl") },
      { kind: "p", text: `This link is valid for ${plural(f.count("expiresHours"), "hour")}.` },
      {
        kind: "p",
        text:
          "If you did not sign up, you can safely ignore this email: nothing is activated unless the address " +
          "is confirmed, and the registration expires on its own.",
      },
    ],
    footer: (_f, product) =>
      `You received this email because someone signed up for ${product} with this address.`,
  },

  password_reset: {
    links: ["resetUrl"],
    subject: () => "Reset your password",
    body: (f, product) => [
      { kind: "p", text: `A password reset was requested for your ${product} account.` },
      { kind: "button", label: "Choose a new password", url: f.url("resetUrl") },
      {
        kind: "p",
        text:
          `This link is valid for ${plural(f.count("expiresMinutes"), "minute")} and works once. ` +
          "It does not sign you in: after choosing a new password, sign in with it.",
      },
      { kind: "p", text: "If you didn't request this, ignore this email; your password stays as it is." },
    ],
    footer: (_f, product) =>
      `You received this email because a password reset was requested for your ${product} account. ` +
      "If this wasn't you, no action is needed.",
  },

  device_code: {
    links: [],
    // Never the code: subjects show on lock screens and in notifications.
    subject: () => "Approve a sign-in from a new device",
    body: (f, product) => [
      {
        kind: "p",
        text: `Someone is signing in to your ${product} account from a new device. Enter this code:`,
      },
      { kind: "code", code: f.code("code") },
      {
        kind: "p",
        text: `The code is valid for ${plural(f.count("expiresMinutes"), "minute")}. Don't share it with anyone.`,
      },
      ...f.details(),
    ],
    footer: (_f, product) =>
      `You received this email because your ${product} password was used to sign in on a device we don't ` +
      "recognise. If this wasn't you, don't enter the code and change your password: someone knows it.",
  },

  login_approval: {
    links: ["approveUrl", "denyUrl"],
    subject: () => "Approve or deny an unusual sign-in",
    body: (f, product) => [
      { kind: "p", text: `We noticed an unusual sign-in to your ${product} account.` },
      ...f.details(),
      { kind: "p", text: "If this was you, approve it to continue:" },
      { kind: "button", label: "Yes, it was me", url: f.url("approveUrl") },
      {
        kind: "p",
        text: "If it wasn't you, deny it. The sign-in is blocked, and we recommend resetting your password.",
      },
      { kind: "button", label: "No, deny this sign-in", url: f.url("denyUrl"), secondary: true },
      { kind: "p", text: `These links are valid for ${plural(f.count("expiresMinutes"), "minute")}.` },
    ],
    footer: (_f, product) =>
      `You received this email because a sign-in to your ${product} account looked unusual. ` +
      "If this wasn't you, deny it and reset your password.",
  },

  security_alert: {
    links: ["resetUrl"],
    subject: (_f, product) => `Security alert for your ${product} account`,
    body: (f) => [
      { kind: "p", text: f.text("event") },
      ...f.details(),
      { kind: "p", text: "If this was you, there is nothing else to do." },
      ...resetOffer(f, "If this wasn't you, someone else may have access to your account."),
    ],
    footer: (_f, product) =>
      `You received this email because of a security-relevant change to your ${product} account. ` +
      "If this wasn't you, secure your account right away.",
  },

  token_reuse: {
    links: ["resetUrl"],
    subject: () => "Security alert: we ended a sign-in on your account",
    body: (f, product) => [
      {
        kind: "p",
        text:
          `A session token of your ${product} account was used twice, which can mean it was copied. ` +
          "To protect you, we ended all sessions of that sign-in; you may need to sign in again.",
      },
      ...f.details(),
      ...resetOffer(f, "We recommend resetting your password."),
    ],
    footer: (_f, product) =>
      `You received this email because a sign-in to your ${product} account was used in a way that ` +
      "suggests it was copied. If this wasn't you, reset your password.",
  },

  lockout: {
    links: ["resetUrl"],
    subject: () => "Your account is temporarily locked",
    body: (f, product) => [
      {
        kind: "p",
        text:
          `There were too many failed sign-in attempts on your ${product} account, so it is locked for ` +
          `${plural(f.count("minutes"), "minute")}. You can try again after that.`,
      },
      ...resetOffer(f, "If this wasn't you, someone may be trying to guess your password."),
    ],
    footer: (_f, product) =>
      `You received this email because of repeated failed sign-ins to your ${product} account. ` +
      "If this wasn't you, reset your password.",
  },

  invitation: {
    links: ["acceptUrl"],
    subject: (f, product) =>
      `${f.optName("inviterName") ?? "Someone"} invited you to join ${f.name("teamName")} on ${product}`,
    body: (f, product) => [
      {
        kind: "p",
        text:
          `${f.optName("inviterName") ?? "Someone"} invited you to join the team ${f.name("teamName")} ` +
          `on ${product} as ${f.name("roleName")}.`,
      },
      { kind: "button", label: "Accept invitation", url: f.url("acceptUrl") },
      { kind: "p", text: `This invitation is valid for ${plural(f.count("expiresDays"), "day")}.` },
    ],
    footer: (_f, product) =>
      `You received this email because someone invited this address to a team on ${product}. ` +
      "If this wasn't meant for you, ignore it; nothing happens unless you accept.",
  },

  ownership_transfer: {
    links: ["acceptUrl", "declineUrl"],
    subject: (f) => `Take over ownership of ${f.name("teamName")}?`,
    body: (f, product) => [
      {
        kind: "p",
        text:
          `${f.optName("fromName") ?? "The owner"} wants to make you the owner of the team ` +
          `${f.name("teamName")} on ${product}. As owner you will control its members and settings.`,
      },
      { kind: "button", label: "Accept ownership", url: f.url("acceptUrl") },
      { kind: "button", label: "Decline", url: f.url("declineUrl"), secondary: true },
      {
        kind: "p",
        text: `This request is valid for ${plural(f.count("expiresDays"), "day")}. Nothing changes unless you accept.`,
      },
    ],
    footer: (f, product) =>
      `You received this email because the owner of ${f.name("teamName")} on ${product} asked to transfer it ` +
      "to you. If this wasn't expected, decline or ignore this email.",
  },
};

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const P_STYLE = "margin:0 0 16px;";
const BUTTON_STYLE =
  "display:inline-block;padding:12px 20px;border-radius:6px;font-weight:600;text-decoration:none;";

function blockText(block: Block): string {
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

function blockHtml(block: Block): string {
  switch (block.kind) {
    case "p":
      return `<p style="${P_STYLE}">${escapeHtml(block.text)}</p>`;
    case "button": {
      const colors = block.secondary
        ? "background:#ffffff;color:#b91c1c;border:1px solid #b91c1c;"
        : "background:#1d4ed8;color:#ffffff;border:1px solid #1d4ed8;";
      const href = escapeHtml(block.url);
      return (
        `<p style="${P_STYLE}"><a href="${href}" style="${BUTTON_STYLE}${colors}">${escapeHtml(block.label)}</a></p>` +
        `<p style="margin:0 0 16px;font-size:13px;color:#52525b;word-break:break-all;">` +
        `Or open this link: <a href="${href}" style="color:#1d4ed8;">${href}</a></p>`
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

/**
 * Renders one of Gatehouse's mails as subject, plain text and HTML, plus the `links` (every URL in the data, in
 * the template's order) and `codes` that the dev mailbox reports (../shared/API.md, "Operations and
 * development").
 *
 * Every interpolated value is HTML-escaped in the HTML body; URL values must be absolute http(s) URLs. The HTML
 * is self-contained (inline styles, no images, fonts or scripts) so it reads the same in every mail client.
 *
 * @throws TypeError when a required key is missing, a value is malformed, a URL is not http(s) or the template
 *   is unknown: all programming errors of the caller.
 */
export function renderEmail(template: EmailTemplate, data: EmailData, brand: EmailBrand): RenderedEmail {
  const definition = TEMPLATES[template] as TemplateDefinition | undefined;
  if (definition === undefined) throw new TypeError(`Unknown email template "${template}"`);
  const product = brand.productName.replace(/\s+/g, " ").trim();
  const host = new URL(checkUrl(brand.publicOrigin, "EmailBrand.publicOrigin")).host;

  const f = new Fields(data);
  const subject = definition.subject(f, product).replace(/\s+/g, " ").trim();
  const name = f.optName("name");
  const blocks: Block[] = [{ kind: "p", text: name === undefined ? "Hi," : `Hi ${name},` }];
  blocks.push(...definition.body(f, product), { kind: "p", text: `— The ${product} team` });
  // Shown as a host name, not a link, so `links` stays exactly the URLs of the data.
  const footer = [definition.footer(f, product), `${product} · ${host}`];

  const text = `${blocks.map(blockText).join("\n\n")}\n\n-- \n${footer.join("\n")}\n`;
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f4f4f5;">` +
    `<div style="max-width:560px;margin:0 auto;padding:32px 16px;font-family:${FONT};font-size:16px;` +
    `line-height:1.5;color:#18181b;">` +
    `<p style="margin:0 0 16px;font-size:18px;font-weight:700;">${escapeHtml(product)}</p>` +
    `<div style="background:#ffffff;border-radius:8px;padding:24px;">${blocks.map(blockHtml).join("")}</div>` +
    `<p style="margin:16px 0 0;font-size:12px;color:#71717a;">${footer.map(escapeHtml).join("<br>")}</p>` +
    "</div></body></html>";

  const links = definition.links.flatMap((key) => f.optUrl(key) ?? []);
  const codes = template === "device_code" ? [f.code("code")] : [];
  return { subject, text, html, links, codes };
}
