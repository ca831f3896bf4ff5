import { findUserById } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { outboxDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { sessionsEnded } from "./end";
import { revokeSessionStatement } from "./store";

/**
 * The rule "a reused refresh token revokes the session" (RFC 9700 §4.14.2). Refresh tokens rotate on every use;
 * a rotated token that comes back means two parties hold the session's tokens, so the whole session (its token
 * family) is revoked, audited, and its owner is told by mail. One exception keeps honest clients working: the
 * same device presenting the token again within REFRESH_RACE_GRACE_MS of its use is a concurrent refresh race
 * (two tabs), answered 409 `refresh_conflict` with nothing revoked.
 */
const REFRESH_RACE_GRACE_MS = 10_000;

export interface ReusedToken {
  session: { id: string; userId: string; deviceHash: string };
  /** When the presented token was used (rotated away), or `now` when a concurrent rotation just won. */
  usedAt: number;
  /** The device presenting it now. */
  deviceHash: string | null;
}

/** Decides a reused refresh token: the error to answer with, after revoking the session when it is a reuse. */
export async function refreshTokenReused(ctx: RequestContext, reuse: ReusedToken): Promise<AuthError> {
  const { session } = reuse;
  if (ctx.now() - reuse.usedAt < REFRESH_RACE_GRACE_MS && reuse.deviceHash === session.deviceHash) {
    return new AuthError("refresh_conflict");
  }
  await revokeForReuse(ctx, session);
  return new AuthError("token_reused");
}

async function revokeForReuse(ctx: RequestContext, session: { id: string; userId: string }): Promise<void> {
  const user = await findUserById(ctx.db, session.userId);
  const mail = user
    ? await prepareEmail(outboxDeps(ctx), {
        template: "token_reuse",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          device: ctx.client.device,
          ...(ctx.client.ip ? { ip: ctx.client.ip } : {}),
          resetUrl: `${ctx.config.PUBLIC_ORIGIN}/forgot-password`,
        },
      })
    : null;
  await commit(ctx, {
    writes: [revokeSessionStatement(ctx.db, session.id, ctx.now(), "token_reuse")],
    audit: {
      action: "session.token_reused",
      target: { type: "user", id: session.userId },
      metadata: { sessionId: session.id },
    },
    mails: [mail],
    after: ([revoked]) => sessionsEnded(ctx, revoked, "token_reuse"),
  });
}
