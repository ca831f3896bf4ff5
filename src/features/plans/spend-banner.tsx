import type { RequestContext } from "../../platform/context";
import { TEAM_TEXT } from "../teams/pages.en";
import { utcMonth } from "./money";
import { billingOf, warningsOf } from "./store";

/** What the team pages' banner says about this month's spend (null: nothing to say). */
export type SpendBanner = { kind: "warn"; percent: number; month: string } | { kind: "cap"; month: string };

/**
 * The spend-warning banner of the team pages (issue 16 item 4): once this UTC month's spend reached the team's
 * warning threshold (or its cap), the same fact its billing members were mailed about (spend-warnings.ts), read
 * back from the `spend_warnings` rows — one D1 round trip, and only for members who may read billing.
 */
export async function spendBannerOf(ctx: RequestContext, teamId: string): Promise<SpendBanner | null> {
  const month = utcMonth(ctx.now());
  const [warnings, [billing]] = await ctx.db.batch([
    warningsOf(ctx.db, teamId, month),
    billingOf(ctx.db, teamId),
  ]);
  if (warnings.some((w) => w.kind === "cap")) return { kind: "cap", month };
  if (warnings.some((w) => w.kind === "warn")) {
    return { kind: "warn", percent: billing?.warnAtPercent ?? 80, month };
  }
  return null;
}

const T = TEAM_TEXT.team;

/** The banner every team page shows once the month's spend reached the warning threshold or the cap. */
export function SpendWarning(props: { banner: SpendBanner; base: string }) {
  const { banner } = props;
  return (
    <div class="alert" role="status">
      <p>
        {banner.kind === "cap" ? T.spendCap(banner.month) : T.spendWarn(banner.percent, banner.month)}{" "}
        <a href={`${props.base}/billing`}>{T.spendLink}</a>
      </p>
    </div>
  );
}
