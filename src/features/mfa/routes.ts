import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { verifyAccessToken } from "../../auth/access-tokens";
import { presentedAccessToken, requireAuth } from "../../auth/authenticate";
import { fresh, signedIn } from "../../auth/guards";
import { assertFreshAuthentication } from "../../auth/step-up";
import type { AppEnv } from "../../http/app-env";
import { presentedDevice } from "../../http/device";
import { createRouter, json, problem } from "../../http/router";
import { DeviceIdField, jsonBody } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { LoginStep } from "../login/schemas";
import { loginStepAnswer } from "../login/step-route";
import { STEP_ORDER } from "../login/steps";
import type { Enroller } from "./enrolment";
import { beginEnrolment, finishEnrolment } from "./enrolment";
import { completeMfaStep } from "./login-step";
import { disableMfa, regenerateRecoveryCodes } from "./mfa";

const Code = z.string().min(1).max(64).openapi({ example: "123456" });
const loginMfa = createRoute({
  method: "post",
  path: "/api/v1/auth/login/mfa",
  tags: ["Login"],
  summary: "Step mfa: a TOTP code or a recovery code",
  request: jsonBody(
    z.strictObject({
      preAuthToken: z.string().max(4096),
      code: Code,
      turnstileToken: z.string().max(2048).optional(),
      deviceId: DeviceIdField,
    }),
  ),
  responses: {
    200: json(LoginStep, "The next step"),
    400: problem("captcha_required (after a 2FA lock)"),
    401: problem('invalid_code — "Invalid security code." — or unauthorized'),
    403: problem("step_required"),
    429: problem("rate_limited"),
  },
});

const enableInit = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/enable-init",
  tags: ["Two-factor authentication"],
  summary: "Start TOTP enrolment (signed in, or with the pre-auth token of an mfa_setup step)",
  request: jsonBody(z.strictObject({ deviceId: DeviceIdField }), { required: false }),
  responses: {
    200: json(
      z.object({ challengeId: z.string(), secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }),
      "A new secret, its otpauth:// URI and a QR code (SVG)",
    ),
    401: problem(
      "unauthorized, or insufficient_user_authentication (step-up needed: POST /auth/step-up) when signed in",
    ),
    409: problem("conflict (already on)"),
  },
});

const enableComplete = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/enable-complete",
  tags: ["Two-factor authentication"],
  summary: "Confirm enrolment with a code; answers 10 recovery codes (shown once)",
  request: jsonBody(
    z.strictObject({ challengeId: z.string().max(128), code: Code, deviceId: DeviceIdField }),
  ),
  responses: {
    200: json(
      z.object({
        recoveryCodes: z.array(z.string()),
        step: z.enum(STEP_ORDER).optional(),
        preAuthToken: z.string().optional(),
        expiresIn: z.number().int().optional(),
      }),
      "Recovery codes (and, during login, the next step)",
    ),
    401: problem(
      "invalid_credentials (wrong password: counts toward the login lockout), invalid_code or unauthorized",
    ),
  },
});

const disable = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/disable",
  tags: ["Two-factor authentication"],
  summary: "Turn 2FA off (password and a current code)",
  ...signedIn(fresh()),
  request: jsonBody(z.strictObject({ password: z.string().min(1).max(1024), code: Code })),
  responses: {
    204: { description: "Off" },
    401: problem(
      "invalid_code, insufficient_user_authentication (step-up needed: POST /auth/step-up) or unauthorized",
    ),
    422: problem("validation_failed"),
  },
});

const regenerate = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/recovery-codes",
  tags: ["Two-factor authentication"],
  summary: "New recovery codes (password); the old ones stop working",
  ...signedIn(fresh()),
  request: jsonBody(z.strictObject({ password: z.string().min(1).max(1024) })),
  responses: {
    200: json(z.object({ recoveryCodes: z.array(z.string()) }), "New codes"),
    401: problem(
      "invalid_credentials (wrong password: counts toward the login lockout), insufficient_user_authentication (step-up needed: POST /auth/step-up) or unauthorized",
    ),
    409: problem("conflict (2FA is off)"),
    422: problem("validation_failed"),
  },
});

const sessionAuth = requireAuth();

/**
 * Who is enrolling: a signed-in user (access token or cookies, with CSRF), or a login in its `mfa_setup` step
 * (`Authorization: Bearer <preAuthToken>`, from the device that started it). The only guard run inside a
 * handler: which one applies depends on the credential presented.
 */
async function enroller(
  c: Context<AppEnv>,
  bodyDeviceId?: string,
): Promise<Enroller & { deviceId?: string }> {
  const ctx = c.var.ctx;
  const presented = presentedAccessToken(c);
  if (!presented) throw new AuthError("unauthorized");
  if (presented.via === "cookie" || (await verifyAccessToken(ctx, presented.token, ctx.now()))) {
    await sessionAuth(c, async () => {});
    // Turning 2FA on from an account is sensitive (RFC 9470 step-up); a login's mfa_setup step is not a session yet.
    await assertFreshAuthentication(ctx, c.var.auth);
    return { kind: "session", userId: c.var.auth.userId, sessionId: c.var.auth.sid };
  }
  const device = await presentedDevice(c, bodyDeviceId);
  return {
    kind: "login",
    preAuthToken: presented.token,
    deviceHash: device?.hash ?? null,
    deviceId: device?.id ?? "",
  };
}

export function mfaRoutes() {
  return createRouter()
    .openapi(loginMfa, async (c) => {
      return c.json(await loginStepAnswer(c, c.req.valid("json"), completeMfaStep), 200);
    })
    .openapi(enableInit, async (c) => {
      const { deviceId: _device, ...who } = await enroller(c, c.req.valid("json")?.deviceId);
      c.header("Cache-Control", "no-store");
      return c.json(await beginEnrolment(c.var.ctx, who), 200);
    })
    .openapi(enableComplete, async (c) => {
      const { deviceId: bodyDeviceId, ...input } = c.req.valid("json");
      const { deviceId, ...who } = await enroller(c, bodyDeviceId);
      const result = await finishEnrolment(c.var.ctx, { who, ...input });
      c.header("Cache-Control", "no-store");
      return c.json(deviceId === undefined ? result : { ...result, deviceId }, 200);
    })
    .openapi(disable, async (c) => {
      await disableMfa(c.var.ctx, { userId: c.var.auth.userId, ...c.req.valid("json") });
      return c.body(null, 204);
    })
    .openapi(regenerate, async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(
        await regenerateRecoveryCodes(c.var.ctx, {
          userId: c.var.auth.userId,
          password: c.req.valid("json").password,
        }),
        200,
      );
    });
}
