import type { Principal } from "../../auth/principal";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { enforceEventRate } from "../plans/event-rate";
import { GATEHOUSE_EVENTS } from "./catalogue";
import { teamEventsStub } from "./publish";

/** A team's own event type: short, dotted, lower case (`deploy.finished`, `invoice.paid`). */
export const BACKEND_EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
export const MAX_EVENT_TYPE_LENGTH = 64;
/** The largest `data` a team may publish, as JSON (UTF-8 bytes). */
export const MAX_EVENT_DATA_BYTES = 16 * 1024;

/**
 * The namespaces Gatehouse publishes in (the first segment of each catalogue type, and `gatehouse.*`): a team's
 * backend publishes in none of them, so a subscriber can trust that `member.removed` came from Gatehouse and
 * a later catalogue type cannot collide with what a team already publishes.
 */
export const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([
  "gatehouse",
  ...Object.keys(GATEHOUSE_EVENTS).map((type) => type.split(".")[0] as string),
]);

export interface BackendEvent {
  auth: Principal;
  teamId: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * The one entry point of events a team's backend publishes (POST /api/v1/teams/:teamId/events): validates the
 * type and the size, then stores and fans the event out to the team's subscribers only. Plan limits on the
 * publish rate belong here, before the object is called.
 */
export async function publishFromBackend(ctx: RequestContext, input: BackendEvent): Promise<{ id: string }> {
  const { teamId, type, data } = input;
  await enforceEventRate(ctx, teamId);
  if (RESERVED_NAMESPACES.has(type.split(".")[0] as string)) {
    throw AuthError.validation(
      [{ path: "type", message: "This event type is reserved for Gatehouse. Use your own namespace." }],
      "Event types in Gatehouse's namespaces are reserved.",
    );
  }
  const json = JSON.stringify(data);
  if (new TextEncoder().encode(json).byteLength > MAX_EVENT_DATA_BYTES) {
    throw new AuthError("payload_too_large", {
      detail: `An event's data must not exceed ${MAX_EVENT_DATA_BYTES} bytes as JSON.`,
    });
  }
  const { id } = await teamEventsStub(ctx, teamId).publish({ type, data, source: "team" }, ctx.now());
  logger.debug("team event published", { teamId, type, id, apiKeyId: input.auth.apiKeyId });
  return { id: String(id) };
}
