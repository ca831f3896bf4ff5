import type { WarningKind } from "../../../durable-objects/team-ledger";
import { hasPermission } from "../../auth/permission-match";
import { isUniqueViolation } from "../../db/client";
import { membersOfTeam, rolesOfTeam } from "../../db/teams";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { effectiveOf } from "../teams/team-actor";
import { formatUsd, microsToUsd } from "./money";
import { planEvents } from "./plan-events";
import type { BillingRow } from "./store";
import { insertWarningStatement, teamName } from "./store";

/** Who is told about spend: the Owner and every member whose role grants `billing:manage`. */
async function billingRecipients(ctx: RequestContext, teamId: string) {
  const [members, roles] = await Promise.all([membersOfTeam(ctx.db, teamId), rolesOfTeam(ctx.db, teamId)]);
  return members.filter(
    (m) => m.roleBuiltIn === "owner" || hasPermission(effectiveOf(roles, m.roleId), "billing:manage"),
  );
}

/**
 * Sends the due spend warnings of the month (`kinds` from the team's TeamLedger) and returns the kinds now
 * settled — sent by this call, or found already sent. Each kind is one D1 batch: the spend_warnings row (a
 * plain insert on the (team, month, kind) primary key), the mails to the Owner and billing admins and the
 * audit entry; a concurrent sender's conflict rolls its whole batch back, so each mail goes out once per UTC
 * month. A batch that fails otherwise leaves the kind unsettled: the next charge tries again.
 */
export async function sendSpendWarnings(
  ctx: RequestContext,
  input: {
    teamId: string;
    month: string;
    kinds: readonly WarningKind[];
    monthToDateMicros: number;
    billing: BillingRow;
  },
): Promise<WarningKind[]> {
  const { teamId, month, billing } = input;
  const cap = billing.monthlyCapMicros;
  if (input.kinds.length === 0 || cap === null) return [];
  const [recipients, team] = await Promise.all([billingRecipients(ctx, teamId), teamName(ctx.db, teamId)]);
  const settled: WarningKind[] = [];
  for (const kind of input.kinds) {
    const percent = kind === "cap" ? 100 : billing.warnAtPercent;
    const mails = await Promise.all(
      recipients.map((r) =>
        prepareEmail(outboxDeps(ctx), {
          template: "spend_warning",
          to: r.email,
          data: {
            ...(r.name ? { name: r.name } : {}),
            teamName: team?.name ?? "your team",
            kind,
            percent,
            spent: formatUsd(input.monthToDateMicros),
            cap: formatUsd(cap),
            month,
            hardStop: billing.hardStop ? "yes" : "no",
            usageUrl: `${ctx.config.PUBLIC_ORIGIN}/teams/${teamId}`,
          },
        }),
      ),
    );
    try {
      await commit(ctx, {
        writes: [insertWarningStatement(ctx.db, { teamId, month, kind, sentAt: ctx.now() })],
        audit: {
          action: "usage.warning_sent",
          teamId,
          target: { type: "team", id: teamId },
          metadata: {
            kind,
            month,
            percent,
            monthToDateMicros: input.monthToDateMicros,
            capMicros: cap,
            recipients: recipients.map((r) => r.userId),
          },
        },
        mails,
        after: planEvents.spendWarning(ctx, teamId, {
          kind,
          threshold: percent,
          period: month,
          monthToDateUsd: microsToUsd(input.monthToDateMicros),
          capUsd: microsToUsd(cap),
        }),
      });
      settled.push(kind);
    } catch (error) {
      if (isUniqueViolation(error, "spend_warnings")) settled.push(kind);
      else logger.error("spend warning not recorded; the next charge retries", { teamId, kind, error });
    }
  }
  return settled;
}
