import { ADMIN_TEMPLATES } from "./admin-templates";
import {
  type Block,
  blockHtml,
  blockText,
  checkUrl,
  escapeHtml,
  Fields,
  FONT,
  plural,
  type TemplateDefinition,
} from "./blocks";
import { SESSION_BINDING_TEMPLATES } from "./session-binding-templates";
import { TEAM_BUDGET_TEMPLATES } from "./team-budget-templates";
import { TEAM_SERVICE_TEMPLATES } from "./team-service-templates";
import type { EmailData, EmailTemplate, RenderedEmail } from "./types";

/** What the mails say about the sender: the product's name and its public origin (shown in the footer). */
export interface EmailBrand {
  productName: string;
  publicOrigin: string;
  /** Buttons and links (BRAND_COLOR, `#rrggbb`); the pages' default blue when absent. */
  accentColor?: string;
  /** The logo's path on the public origin (BRAND_LOGO, ui/logo.ts), shown above the product name. */
  logoPath?: string;
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
  ...TEAM_SERVICE_TEMPLATES,
  ...TEAM_BUDGET_TEMPLATES,
  ...ADMIN_TEMPLATES,
  ...SESSION_BINDING_TEMPLATES,
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
      // The risk engine's reasons in words (features/login/risk/text.ts), when the login names them.
      ...(f.optText("reasons")
        ? [{ kind: "p" as const, text: `What looked unusual: ${f.optText("reasons")}.` }]
        : []),
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

/** The logo above the name (a remote image on the public origin: clients that block images show the name). */
function logoImg(brand: EmailBrand): string {
  if (
    brand.logoPath === undefined ||
    !/^\/assets\/logo\.[0-9a-f]{8}\.(?:png|svg|webp|jpg)$/.test(brand.logoPath)
  ) {
    return "";
  }
  const src = new URL(brand.logoPath, checkUrl(brand.publicOrigin, "EmailBrand.publicOrigin")).href;
  return `<img src="${escapeHtml(src)}" alt="" height="32" style="display:block;margin:0 0 8px;border:0;">`;
}

/**
 * Renders one of Gatehouse's mails as subject, plain text and HTML, plus the `links` (every URL in the data, in
 * the template's order) and `codes` that the dev mailbox reports (../shared/API.md, "Operations and
 * development").
 *
 * Every interpolated value is HTML-escaped in the HTML body; URL values must be absolute http(s) URLs. The HTML
 * is self-contained (inline styles, no fonts or scripts; the one image is the optional logo, served by this
 * origin, with the product name beside it) so it reads the same in every mail client.
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
    `<p style="margin:0 0 16px;font-size:18px;font-weight:700;">${logoImg(brand)}${escapeHtml(product)}</p>` +
    `<div style="background:#ffffff;border-radius:8px;padding:24px;">${blocks.map((b) => blockHtml(b, brand.accentColor)).join("")}</div>` +
    `<p style="margin:16px 0 0;font-size:12px;color:#71717a;">${footer.map(escapeHtml).join("<br>")}</p>` +
    "</div></body></html>";

  const links = definition.links.flatMap((key) => f.optUrl(key) ?? []);
  const codes = template === "device_code" ? [f.code("code")] : [];
  return { subject, text, html, links, codes };
}
