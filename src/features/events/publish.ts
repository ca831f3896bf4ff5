import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import type { AfterCommit } from "../../platform/unit-of-work";
import type { GatehouseEventType } from "./catalogue";

/**
 * One event on a team's stream. `type` defaults to any string for the shape; Gatehouse's own publishers below
 * only accept the catalogue's types (a team backend's events go through `publishFromBackend`, not here).
 */
export interface TeamEvent<T extends string = string> {
  type: T;
  data: Record<string, unknown>;
}

/** Where an event came from, as subscribers see it (`source` in each event's JSON). */
export type EventSource = "gatehouse" | "team";

/** The team's event object (one per team: `idFromName(teamId)`). */
export function teamEventsStub(ctx: RequestContext, teamId: string) {
  return ctx.env.TEAM_EVENTS.get(ctx.env.TEAM_EVENTS.idFromName(teamId));
}

/**
 * Publish now (used outside a commit). Never throws for a delivery failure: the event stream is a notification
 * channel, not the record (the audit log and D1 are), so a failure is logged and the caller's change stands.
 */
export async function publishTeamEvent(
  ctx: RequestContext,
  teamId: string,
  event: TeamEvent<GatehouseEventType>,
): Promise<void> {
  try {
    await teamEventsStub(ctx, teamId).publish(
      { type: event.type, data: event.data, source: "gatehouse" },
      ctx.now(),
    );
  } catch (error) {
    logger.warn("team event not published", { teamId, type: event.type, error });
  }
}

/** After-commit effect (see src/platform/unit-of-work.ts AfterCommit) publishing to the team's stream; not critical. */
export function teamEventEffect(
  ctx: RequestContext,
  teamId: string,
  event: TeamEvent<GatehouseEventType>,
): AfterCommit {
  return { name: `events.${event.type}`, run: () => publishTeamEvent(ctx, teamId, event) };
}
