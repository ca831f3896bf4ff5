import type { TemplateDefinition } from "./blocks";

/**
 * The mails of platform administration (features/admin): an administrator acted on the recipient's account.
 * The admin's reason is deliberately absent: it is an internal note kept in the audit entry (it may name a
 * ticket, a fraud signal or a colleague), and a mail forwarded or read by an attacker must not carry it. Each
 * mail tells the user what changed, what happens next and where to get help. Data: `name?`, `signInUrl` (the
 * sign-in page), except where noted.
 */
export const ADMIN_TEMPLATES = {
  /** An administrator locked the account: sign-in refused, every session ended. Data: name?, supportEmail?. */
  admin_account_locked: {
    links: [],
    subject: (_f, product) => `Your ${product} account has been locked`,
    body: (f) => [
      {
        kind: "p",
        text:
          "An administrator locked your account. You have been signed out everywhere, and signing in is not " +
          "possible until the account is unlocked.",
      },
      {
        kind: "p",
        text: `If you think this is a mistake, contact ${f.optText("supportEmail") ?? "your administrator"}.`,
      },
    ],
    footer: (_f, product) =>
      `You received this email because an administrator of ${product} locked your account.`,
  },
  /** The account is unlocked again. */
  admin_account_unlocked: {
    links: ["signInUrl"],
    subject: (_f, product) => `Your ${product} account has been unlocked`,
    body: (f) => [
      { kind: "p", text: "An administrator unlocked your account. You can sign in again." },
      { kind: "button", label: "Sign in", url: f.url("signInUrl") },
    ],
    footer: (_f, product) =>
      `You received this email because an administrator of ${product} unlocked your account.`,
  },
  /** Every session was ended by an administrator. */
  admin_sessions_revoked: {
    links: ["signInUrl"],
    subject: (_f, product) => `You have been signed out of ${product}`,
    body: (f) => [
      {
        kind: "p",
        text:
          "An administrator ended all of your sessions, so you have been signed out on every device. " +
          "Sign in again to continue.",
      },
      { kind: "button", label: "Sign in", url: f.url("signInUrl") },
    ],
    footer: (_f, product) =>
      `You received this email because an administrator of ${product} signed you out. If you did not ask ` +
      "for this and it keeps happening, change your password.",
  },
  /** The second factor was removed by an administrator; the user sets it up again (required for platform roles). */
  admin_mfa_reset: {
    links: ["signInUrl"],
    subject: (_f, product) => `Two-factor authentication was reset on your ${product} account`,
    body: (f) => [
      {
        kind: "p",
        text:
          "An administrator reset two-factor authentication on your account: your authenticator app and " +
          "recovery codes no longer work. Set up two-factor authentication again after you sign in.",
      },
      { kind: "button", label: "Sign in", url: f.url("signInUrl") },
      {
        kind: "p",
        text: "If you did not ask for this, change your password and contact your administrator.",
      },
    ],
    footer: (_f, product) =>
      `You received this email because an administrator of ${product} reset two-factor authentication on ` +
      "your account.",
  },
} as const satisfies Record<string, TemplateDefinition>;
