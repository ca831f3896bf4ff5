import type { Principal } from "../../auth/principal";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import {
  lockUser,
  resendUserVerification,
  resetUserMfa,
  revokeUserSessions,
  unlockUser,
} from "./account-actions";
import { eraseUser } from "./erasure";
import { holdsRole } from "./page-kit";
import { ADMIN_TEXT } from "./pages.en";
import { ADMIN_ACCESS, type AdminCapability } from "./routes";
import type { userDetail } from "./user-detail";

/** The account actions the user page offers, each behind a confirmation page (pages.tsx), and who may take them. */

export type Detail = Awaited<ReturnType<typeof userDetail>>;

export interface PageAction {
  label: string;
  capability: AdminCapability;
  /** Never offered on oneself (the API refuses it). */
  notOnSelf?: boolean;
  reasonOptional?: boolean;
  warning: string;
  offered: (u: Detail) => boolean;
  run: (ctx: RequestContext, input: { actorId: string; userId: string; reason: string }) => Promise<unknown>;
}

export const ACTIONS: Record<string, PageAction> = {
  lock: {
    ...ADMIN_TEXT.actions.lock,
    capability: "lock",
    notOnSelf: true,
    offered: (u) => u.status !== "locked",
    run: lockUser,
  },
  unlock: {
    ...ADMIN_TEXT.actions.unlock,
    capability: "unlock",
    offered: (u) => u.status === "locked",
    run: unlockUser,
  },
  "revoke-sessions": {
    ...ADMIN_TEXT.actions["revoke-sessions"],
    capability: "revokeSessions",
    offered: () => true,
    run: revokeUserSessions,
  },
  "reset-2fa": {
    ...ADMIN_TEXT.actions["reset-2fa"],
    capability: "resetMfa",
    notOnSelf: true,
    offered: (u) => u.mfaEnabled,
    run: resetUserMfa,
  },
  "resend-verification": {
    ...ADMIN_TEXT.actions["resend-verification"],
    capability: "resendVerification",
    reasonOptional: true,
    offered: (u) => !u.emailVerified,
    run: resendUserVerification,
  },
  roles: {
    ...ADMIN_TEXT.actions.roles,
    capability: "roles",
    notOnSelf: true,
    offered: () => true,
    run: () => Promise.resolve(),
  },
  erase: {
    ...ADMIN_TEXT.actions.erase,
    capability: "erase",
    notOnSelf: true,
    offered: () => true,
    run: eraseUser,
  },
};

export function mayTake(principal: Principal, action: PageAction, userId: string): boolean {
  return (
    holdsRole(principal, ADMIN_ACCESS[action.capability]) &&
    !(action.notOnSelf && principal.userId === userId)
  );
}

/** The notice shown after an action (`?done=`). */
export const DONE: Record<string, string> = ADMIN_TEXT.done;

/** The action a path names (`/admin/users/:id/confirm/:action`), or 404. */
export function actionOf(path: string): PageAction {
  const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
  if (!action) throw new AuthError("not_found");
  return action;
}
