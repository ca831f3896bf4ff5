import type { RequestContext } from "../../platform/context";
import { findGroupType } from "./store";

/**
 * The `groupType` (`trial`, `billing`, …) of the team's connected Virtuozzo account, as read from getaccount at
 * the last sign-in; null when the team has no connection or Virtuozzo rejected its credential (the owner must
 * re-authenticate first). The plans feature asks this before allowing PRO.
 */
export async function billingGroupType(ctx: RequestContext, teamId: string): Promise<string | null> {
  const row = await findGroupType(ctx.db, teamId);
  if (row?.status !== "connected") return null;
  return row.groupType ?? null;
}
