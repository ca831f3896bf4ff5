/** Every word of the usage-budgets panel on a team's billing page (English). A second language is a second file. */
export const BUDGETS_TEXT = {
  title: "Usage budgets",
  intro:
    "Shared by the team's members and API keys. A budget that runs out refuses further requests of its kind until it resets; the Owner is emailed once.",
  budget: "Budget",
  used: "Used",
  resets: "Resets",
  window: { hour: "per hour", day: "per day (UTC)" },
  usage: (used: number, limit: number) => `${used} / ${limit}`,
  resetsAt: (utc: string) => `${utc} UTC`,
  /** `/admin/teams/:teamId/budgets`, for platform staff. */
  admin: {
    title: "Team budgets",
    team: (teamId: string, plan: string) => `Team ${teamId}, on the ${plan} plan.`,
    back: "Back to the users",
  },
} as const;
