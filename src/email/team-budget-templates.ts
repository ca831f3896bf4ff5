import type { TemplateDefinition } from "./blocks";

/**
 * The mail of the per-team abuse budgets (features/team-budgets): rendered by the same engine as the others
 * (blocks.ts), kept in its own file like the team-service mails.
 */
export const TEAM_BUDGET_TEMPLATES = {
  /**
   * A team's budget refused a request: to the Owner, once per budget window. Data: teamName, budget (its noun:
   * "logins", "emails", …), limit, window ("hour" or "day"), resetsAt (a UTC time), billingUrl, name?.
   */
  team_budget_exceeded: {
    links: ["billingUrl"],
    subject: (f) => `${f.name("teamName")} reached its limit for ${f.text("budget")}`,
    body: (f, product) => [
      {
        kind: "p",
        text:
          `The team ${f.name("teamName")} has reached its limit of ${f.count("limit")} ${f.text("budget")} ` +
          `per ${f.text("window")} on ${product}. Further ${f.text("budget")} for the team are refused until the ` +
          "limit resets.",
      },
      {
        kind: "details",
        rows: [
          ["Limit", `${f.count("limit")} ${f.text("budget")} per ${f.text("window")}`],
          ["Resets at", f.text("resetsAt")],
        ],
      },
      {
        kind: "p",
        text:
          "If your team did not expect this many, one of its members or API keys may be misused: review the " +
          "team's members and keys. A higher plan has higher limits.",
      },
      { kind: "button", label: "Review the team's plan", url: f.url("billingUrl") },
    ],
    footer: (f, product) =>
      `You received this email because you own the team ${f.name("teamName")} on ${product}.`,
  },
} as const satisfies Record<string, TemplateDefinition>;
