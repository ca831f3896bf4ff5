import { z } from "@hono/zod-openapi";
import { STEP_ORDER } from "../features/login/step-machine";

/** Response and field schemas shared by several route modules (one definition, one OpenAPI component). */
export const DeviceIdField = z
  .string()
  .max(64)
  .optional()
  .openapi({ description: "Non-browser clients: the deviceId from the login answer" });

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

export const UserSummary = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  emailVerified: z.boolean(),
});
export const TeamSummary = z.object({ id: z.string(), slug: z.string(), name: z.string() });
export const RoleSummary = z.object({ id: z.string(), name: z.string() });
