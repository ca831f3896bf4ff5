import { teamsOfUser } from "../../../db/teams";
import type { RequestContext } from "../../../platform/context";
import type { TeamChoice } from "../step-machine";
import { loadLoginStep } from "../step-machine";

/**
 * The teams a login at its `select_team` step may enter (the team picker page reads them again after the
 * redirect). Refuses a login at another step (`step_required`, naming it) like the step endpoints do.
 */
export async function loginTeamChoices(
  ctx: RequestContext,
  input: { preAuthToken: string; deviceHash: string | null },
): Promise<TeamChoice[]> {
  const login = await loadLoginStep(ctx, {
    token: input.preAuthToken,
    deviceHash: input.deviceHash,
    step: "select_team",
  });
  return teamsOfUser(ctx.db, login.user.id);
}
