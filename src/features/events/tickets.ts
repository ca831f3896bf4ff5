import type { Principal } from "../../auth/principal";
import { isRevokedAtEdge } from "../../auth/revocation";
import { generateToken, hashToken } from "../../crypto/tokens";
import type { RequestContext } from "../../platform/context";
import { teamEventsStub } from "./publish";

/** A ticket lives 60 s (issue 15): long enough to open an EventSource, too short to be worth stealing. */
export const TICKET_TTL_SECONDS = 60;

const TICKET = /^([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/**
 * A single-use ticket for `GET /api/v1/events?ticket=` (clients that can set neither a header nor the cookies).
 * Form `<teamId>.<256-bit secret>`: the team id routes the redemption to the team's object, which holds the
 * ticket — strongly consistent, single use (KV is neither) — under the SHA-256 of the whole ticket only.
 */
export async function issueTicket(
  ctx: RequestContext,
  principal: Principal & { team: string },
): Promise<{ ticket: string; expiresIn: number }> {
  const ticket = `${principal.team}.${generateToken(ctx.random, 32)}`;
  const now = ctx.now();
  await teamEventsStub(ctx, principal.team).issueTicket(
    await hashToken(ticket),
    principal,
    now + TICKET_TTL_SECONDS * 1000,
    now,
  );
  return { ticket, expiresIn: TICKET_TTL_SECONDS };
}

/**
 * The principal a ticket stands for, or null (malformed, unknown, used, expired — all alike: 401). Taking it is
 * single use; the principal's token must still be live: not expired, not revoked at the edge since.
 */
export async function redeemTicket(ctx: RequestContext, ticket: string): Promise<Principal | null> {
  const match = TICKET.exec(ticket);
  if (!match?.[1]) return null;
  const teamId = match[1];
  const now = ctx.now();
  const principal = await teamEventsStub(ctx, teamId).redeemTicket(await hashToken(ticket), now);
  if (!principal || principal.team !== teamId || principal.expiresAt <= now) return null;
  if (await isRevokedAtEdge(ctx.kv, principal, now)) return null;
  return principal;
}
