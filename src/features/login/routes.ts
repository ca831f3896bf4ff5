import { createRoute, z } from "@hono/zod-openapi";
import { ensureDevice } from "../../http/device";
import { createRouter, json, problem } from "../../http/router";
import { DeviceIdField, jsonBody } from "../../http/schemas";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { completePasswordChange } from "./password-change-step";
import { passwordLogin } from "./password-step";
import { LoginStep } from "./schemas";
import { loginStepAnswer } from "./step-route";

const login = createRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags: ["Login"],
  summary: "Sign in with email and password (step 1)",
  description:
    "Answers the next login step with a pre-auth token (5 minutes, bound to this device). Unknown address, wrong " +
    "password, locked and disabled accounts all answer 401 invalid_credentials.",
  request: jsonBody(
    z.strictObject({
      email: z.string().max(320),
      password: z.string().min(1).max(1024),
      rememberMe: z.boolean().optional(),
      turnstileToken: z.string().max(2048).optional(),
      deviceId: DeviceIdField,
    }),
  ),
  responses: {
    200: json(LoginStep, "The next step"),
    400: problem("captcha_required"),
    401: problem("invalid_credentials"),
    403: problem("email_not_verified"),
    422: problem("validation_failed"),
    429: problem("rate_limited"),
  },
});

const passwordStep = createRoute({
  method: "post",
  path: "/api/v1/auth/login/password",
  tags: ["Login"],
  summary: "Step password_change: set a new password",
  request: jsonBody(
    z.strictObject({
      preAuthToken: z.string().max(4096),
      newPassword: z.string().min(1).max(1024),
      deviceId: DeviceIdField,
    }),
  ),
  responses: {
    200: json(LoginStep, "The next step"),
    401: problem("unauthorized (pre-auth token invalid, expired or from another device)"),
    403: problem("step_required"),
    422: problem("validation_failed"),
  },
});

/** Step 1 of a login (the password) and the forced password change; the other steps live with their feature. */
export function loginRoutes() {
  return createRouter()
    .openapi(login, async (c) => {
      const body = c.req.valid("json");
      if (!isValidEmail(normalizeEmail(body.email))) {
        // A malformed address cannot be an account: answer exactly like one that does not exist.
        throw new AuthError("invalid_credentials");
      }
      const { deviceId, ...input } = body;
      const device = await ensureDevice(c, c.var.ctx.random, deviceId);
      const answer = await passwordLogin(c.var.ctx, { ...input, deviceHash: device.hash });
      c.header("Cache-Control", "no-store");
      return c.json({ ...answer, deviceId: device.id }, 200);
    })
    .openapi(passwordStep, async (c) => {
      return c.json(await loginStepAnswer(c, c.req.valid("json"), completePasswordChange), 200);
    });
}
