import { teamsOfUser } from "../../db/teams";
import { findUserById, type LoginFacts, loginFactsOf, type UserRow } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { countMetric } from "../../platform/metrics";
import { openDeviceChallenge } from "../devices/approval";
import { deviceApprovalRequired } from "../devices/second-device-rule";
import {
  assertStampCurrent,
  expiredLogin,
  issuePreAuthToken,
  type PreAuthState,
  readPreAuthToken,
  stampFingerprint,
} from "./pre-auth";
import { STEP_ORDER, type StepName } from "./steps";

/** One login at one step: the request moving it on, its user, and its signed state. */
export interface StepContext {
  ctx: RequestContext;
  user: UserRow;
  state: PreAuthState;
  /** Facts the requirements need, read once per request (see loginFacts). */
  facts?: Promise<LoginFacts>;
}

function facts(login: StepContext): Promise<LoginFacts> {
  login.facts ??= loginFactsOf(login.ctx.db, login.user.id);
  return login.facts;
}

type Requirement = (login: StepContext) => boolean | Promise<boolean>;

const REQUIREMENTS: Partial<Record<StepName, Requirement>> = {
  password_change: ({ user }) => user.passwordMustChange,
  /** From a user's second device on (devices/second-device-rule.ts). */
  device_approval: async (login) =>
    deviceApprovalRequired(login.ctx, {
      userId: login.user.id,
      deviceHash: login.state.device,
      hadSession: (await facts(login)).hadSession,
    }),
  /** The risk check flagged the login at its password step (approval.ts). */
  login_approval: ({ state }) => state.approval !== undefined,
  /** Every platform role must enrol 2FA at its first login. */
  mfa_setup: async (login) => {
    const f = await facts(login);
    return f.platformRoles.length > 0 && !f.mfaEnabled;
  },
  mfa: async (login) => !login.state.done.includes("mfa_setup") && (await facts(login)).mfaEnabled,
};

/** The first step this login still has to pass. */
export async function currentStep(login: StepContext): Promise<StepName> {
  for (const step of STEP_ORDER) {
    if (step === "select_team") return step;
    if (login.state.done.includes(step)) continue;
    const required = REQUIREMENTS[step];
    if (required && (await required(login))) return step;
  }
  return "select_team";
}

export interface StepAnswer {
  step: StepName;
  preAuthToken: string;
  expiresIn: number;
  teams?: { id: string; slug: string; name: string; role: string }[];
}

export type TeamChoice = NonNullable<StepAnswer["teams"]>[number];

/**
 * The answer to any login step: the next step, a fresh pre-auth token, and the data that step needs.
 * `teams` may be passed in when the caller already read them (in its own batch).
 */
export async function stepAnswer(login: StepContext, teams?: TeamChoice[]): Promise<StepAnswer> {
  const { ctx } = login;
  const step = await currentStep(login);
  let state = login.state;
  if (step === "device_approval" && !state.challenge) {
    // Entering the step: mail a code and remember the challenge in the next pre-auth token.
    state = {
      ...state,
      challenge: await openDeviceChallenge(ctx, { user: login.user, deviceHash: state.device }),
    };
  }
  state = { ...state, stamp: await stampFingerprint(login.user.securityStamp) };
  const pre = await issuePreAuthToken(ctx.config, ctx, state);
  const answer: StepAnswer = { step, preAuthToken: pre.token, expiresIn: pre.expiresIn };
  countMetric("gatehouse_login_steps_total", { step });
  if (step === "select_team") answer.teams = teams ?? (await teamsOfUser(ctx.db, login.user.id));
  return answer;
}

/** Loads the user and state behind a pre-auth token and checks that `step` is the login's current step. */
export async function loadLoginStep(
  ctx: RequestContext,
  input: { token: string; deviceHash: string | null; step?: string },
) {
  const state = await readPreAuthToken(ctx, input.token, input.deviceHash, ctx.now());
  const user = await findUserById(ctx.db, state.userId);
  if (!user || user.disabledAt !== null) throw expiredLogin("user gone or disabled");
  // A reset, a password change, 2FA disabled or an admin lock since the login started: it is over.
  await assertStampCurrent(state, user.securityStamp);
  // `facts` is filled by the requirements that need them (read once), and handed on to the caller.
  const login: StepContext & { state: typeof state } = { ctx, user, state };
  const current = await currentStep(login);
  if (input.step !== undefined && current !== input.step) {
    throw new AuthError("step_required", {
      detail: `Complete the "${current}" step first.`,
      extra: { step: current },
    });
  }
  return { ...login, jti: state.jti, expiresAt: state.expiresAt, current };
}
