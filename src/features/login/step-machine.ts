import { teamsOfUser } from "../../db/teams";
import { type LoginFacts, loginFactsOf, type UserRow } from "../../db/users";
import type { ClientInfo } from "../../platform/client";
import type { ServiceDeps } from "../../platform/context";
import { openDeviceChallenge } from "../devices/approval";
import { trustedDevice } from "../devices/trusted";
import { issuePreAuthToken, type PreAuthState } from "./pre-auth";
import { STEP_ORDER, type StepName } from "./steps";

export interface StepContext {
  s: ServiceDeps;
  /** The request that moves the login on (for mails and login activity). */
  client?: ClientInfo;
  user: UserRow;
  state: PreAuthState;
  /** Facts the requirements need, read once per request (see loginFacts). */
  facts?: Promise<LoginFacts>;
}

function facts(ctx: StepContext): Promise<LoginFacts> {
  ctx.facts ??= loginFactsOf(ctx.s.db, ctx.user.id);
  return ctx.facts;
}

type Requirement = (ctx: StepContext) => boolean | Promise<boolean>;

const REQUIREMENTS: Partial<Record<StepName, Requirement>> = {
  password_change: ({ user }) => user.passwordMustChange,
  /**
   * From a user's second device on: the device of the first login is trusted automatically (at session
   * creation), every other untrusted device proves itself with an emailed code.
   */
  device_approval: async (ctx) =>
    (await facts(ctx)).hadSession && !(await trustedDevice(ctx.s.env.KV, ctx.user.id, ctx.state.device)),
  /** The risk check flagged the login at its password step (services/login-approval.ts). */
  login_approval: ({ state }) => state.approval !== undefined,
  /** Every platform role must enrol 2FA at its first login. */
  mfa_setup: async (ctx) => {
    const f = await facts(ctx);
    return f.platformRoles.length > 0 && !f.mfaEnabled;
  },
  mfa: async (ctx) => !ctx.state.done.includes("mfa_setup") && (await facts(ctx)).mfaEnabled,
};

/** The first step this login still has to pass. */
export async function currentStep(ctx: StepContext): Promise<StepName> {
  for (const step of STEP_ORDER) {
    if (step === "select_team") return step;
    if (ctx.state.done.includes(step)) continue;
    const required = REQUIREMENTS[step];
    if (required && (await required(ctx))) return step;
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
export async function stepAnswer(ctx: StepContext, teams?: TeamChoice[]): Promise<StepAnswer> {
  const step = await currentStep(ctx);
  let state = ctx.state;
  if (step === "device_approval" && !state.challenge) {
    // Entering the step: mail a code and remember the challenge in the next pre-auth token.
    state = { ...state, challenge: await openDeviceChallenge(ctx.s, ctx.user, state.device, ctx.client) };
  }
  const pre = await issuePreAuthToken(ctx.s.config, ctx.s, state);
  const answer: StepAnswer = { step, preAuthToken: pre.token, expiresIn: pre.expiresIn };
  if (step === "select_team") answer.teams = teams ?? (await teamsOfUser(ctx.s.db, ctx.user.id));
  return answer;
}
