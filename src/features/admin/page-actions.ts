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
    label: "Lock account",
    capability: "lock",
    notOnSelf: true,
    warning: "The user is signed out everywhere at once and cannot sign in until unlocked. They are emailed.",
    offered: (u) => u.status !== "locked",
    run: lockUser,
  },
  unlock: {
    label: "Unlock account",
    capability: "unlock",
    warning: "The user can sign in again. They are emailed.",
    offered: (u) => u.status === "locked",
    run: unlockUser,
  },
  "revoke-sessions": {
    label: "Sign out everywhere",
    capability: "revokeSessions",
    warning: "Every session of the user ends at once. They are emailed.",
    offered: () => true,
    run: revokeUserSessions,
  },
  "reset-2fa": {
    label: "Reset two-factor authentication",
    capability: "resetMfa",
    notOnSelf: true,
    warning:
      "The authenticator and recovery codes stop working; the user sets 2FA up again. They are emailed.",
    offered: (u) => u.mfaEnabled,
    run: resetUserMfa,
  },
  "resend-verification": {
    label: "Resend verification email",
    capability: "resendVerification",
    reasonOptional: true,
    warning: "A fresh verification link is emailed to the address.",
    offered: (u) => !u.emailVerified,
    run: resendUserVerification,
  },
  roles: {
    label: "Change platform roles",
    capability: "roles",
    notOnSelf: true,
    warning: "The user's sessions end; a new role requires two-factor authentication at the next sign-in.",
    offered: () => true,
    run: () => Promise.resolve(),
  },
  erase: {
    label: "Erase user",
    capability: "erase",
    notOnSelf: true,
    warning:
      "Personal data is removed for good; audit entries stay with the user pseudonymised. Teams the user is alone in are deleted.",
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

export const DONE: Record<string, string> = {
  lock: "The account is locked.",
  unlock: "The account is unlocked.",
  "revoke-sessions": "Every session ended.",
  "reset-2fa": "Two-factor authentication was reset.",
  "resend-verification": "A verification email is on its way.",
  roles: "Platform roles saved.",
  erased: "The user was erased.",
};

/** The action a path names (`/admin/users/:id/confirm/:action`), or 404. */
export function actionOf(path: string): PageAction {
  const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
  if (!action) throw new AuthError("not_found");
  return action;
}
