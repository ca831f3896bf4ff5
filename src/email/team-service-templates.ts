import type { TemplateDefinition } from "./blocks";

/**
 * The mails of the team services (features/virtuozzo, features/plans). Kept apart from the identity mails in
 * templates.ts; rendered by the same engine (blocks.ts).
 */
export const TEAM_SERVICE_TEMPLATES = {
  /** Virtuozzo rejected the team's stored credential: to the Owner. Data: teamName, settingsUrl, name?. */
  virtuozzo_reauth: {
    links: ["settingsUrl"],
    subject: (f) => `Reconnect Virtuozzo for ${f.name("teamName")}`,
    body: (f, product) => [
      {
        kind: "p",
        text:
          `Virtuozzo rejected the credentials ${product} keeps for the team ${f.name("teamName")}, so its ` +
          "members cannot get Virtuozzo sessions until you connect the account again.",
      },
      {
        kind: "p",
        text: "If the account uses two-factor authentication, connect it with a personal access token.",
      },
      { kind: "button", label: "Reconnect Virtuozzo", url: f.url("settingsUrl") },
    ],
    footer: (f, product) =>
      `You received this email because you own the team ${f.name("teamName")} on ${product}.`,
  },
  /**
   * A team's month-to-date spend crossed its warning threshold (`kind` warn) or its cap (`kind` cap): to the
   * Owner and the billing admins, once per UTC month and kind. Data: teamName, kind, percent, spent, cap,
   * month, hardStop ("yes"/"no"), usageUrl, name?.
   */
  spend_warning: {
    links: ["usageUrl"],
    subject: (f) =>
      f.text("kind") === "cap"
        ? `${f.name("teamName")} reached its monthly spending limit`
        : `${f.name("teamName")} has used ${f.count("percent")}% of its monthly spending limit`,
    body: (f) => [
      {
        kind: "p",
        text:
          f.text("kind") === "cap"
            ? `The team ${f.name("teamName")} has reached its spending limit for ${f.text("month")}.`
            : `The team ${f.name("teamName")} has used ${f.count("percent")}% of its spending limit for ${f.text("month")}.`,
      },
      {
        kind: "details",
        rows: [
          ["Spent this month", f.text("spent")],
          ["Monthly limit", f.text("cap")],
        ],
      },
      {
        kind: "p",
        text:
          f.text("hardStop") === "yes"
            ? "Once the limit is reached, further usage is refused until the limit is raised or the month ends."
            : "Usage is not stopped at the limit; adjust the limit if this spend is not expected.",
      },
      { kind: "button", label: "Review usage", url: f.url("usageUrl") },
    ],
    footer: (f, product) =>
      `You received this email because you own or manage billing for ${f.name("teamName")} on ${product}.`,
  },
} as const satisfies Record<string, TemplateDefinition>;
