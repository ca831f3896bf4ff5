import { z } from "@hono/zod-openapi";
import { STEP_ORDER } from "./steps";

/** The answer of every login step (../shared/API.md "Login (two steps)"). */
export const TeamChoice = z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.string() });

export const LoginStep = z
  .object({
    step: z.enum(STEP_ORDER),
    preAuthToken: z.string(),
    expiresIn: z.number().int(),
    deviceId: z.string(),
    teams: z.array(TeamChoice).optional(),
  })
  .openapi("LoginStep");
