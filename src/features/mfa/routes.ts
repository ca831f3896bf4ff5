import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { verifyAccessToken } from "../../auth/access-tokens";
import { presentedAccessToken, requireAuth } from "../../auth/authenticate";
import { findUserById, type UserRow } from "../../db/users";
import type { AppEnv } from "../../http/app-env";
import { presentedDevice } from "../../http/device";
import { createRouter, json, loginStepAnswer, problem, requestClient, services } from "../../http/router";
import { DeviceIdField, jsonBody } from "../../http/schemas";
import type { Deps } from "../../platform/deps";
import { AuthError } from "../../platform/errors";
import { loadLoginStep } from "../login/password-step";
import type { PreAuthState } from "../login/pre-auth";
import { LoginStep } from "../login/schemas";
import { completeMfaStep } from "../login/step-handlers";
import { type StepAnswer, stepAnswer } from "../login/step-machine";
import { STEP_ORDER } from "../login/steps";
import { completeEnrolment, disableMfa, regenerateRecoveryCodes, startEnrolment } from "./mfa";

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
  responses: {
    200: json(
      z.object({ challengeId: z.string(), secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }),
      "A new secret, its otpauth:// URI and a QR code (SVG)",
    ),
    401: problem("unauthorized"),
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
    401: problem("invalid_code or unauthorized"),
  },
});

const disable = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/disable",
  tags: ["Two-factor authentication"],
  summary: "Turn 2FA off (password and a current code)",
  request: jsonBody(z.strictObject({ password: z.string().min(1).max(1024), code: Code })),
  responses: {
    204: { description: "Off" },
    401: problem("invalid_code or unauthorized"),
    422: problem("validation_failed"),
  },
});

const regenerate = createRoute({
  method: "post",
  path: "/api/v1/auth/2fa/recovery-codes",
  tags: ["Two-factor authentication"],
  summary: "New recovery codes (password); the old ones stop working",
  request: jsonBody(z.strictObject({ password: z.string().min(1).max(1024) })),
  responses: {
    200: json(z.object({ recoveryCodes: z.array(z.string()) }), "New codes"),
    401: problem("unauthorized"),
    409: problem("conflict (2FA is off)"),
    422: problem("validation_failed"),
  },
});

type Principal =
  | { kind: "session"; user: UserRow }
  | { kind: "login"; user: UserRow; state: PreAuthState; deviceId: string };

/**
 * Who is enrolling: a signed-in user (access token or cookies, with CSRF), or a login in its `mfa_setup` step
 * (`Authorization: Bearer <preAuthToken>`, from the device that started it).
 */
async function enrolmentPrincipal(c: Context<AppEnv>, deps: Deps, bodyDeviceId?: string): Promise<Principal> {
  const s = services(c, deps);
  const presented = presentedAccessToken(c);
  if (!presented) throw new AuthError("unauthorized");
  if (presented.via === "cookie" || (await verifyAccessToken(c.var.config, presented.token, deps.now()))) {
    await requireAuth(deps)(c, async () => {});
    const user = await findUserById(s.db, c.var.auth.userId);
    if (!user) throw new AuthError("unauthorized");
    return { kind: "session", user };
  }
  const device = await presentedDevice(c, bodyDeviceId);
  const login = await loadLoginStep(s, presented.token, device?.hash ?? null, "mfa_setup");
  return { kind: "login", user: login.user, state: login.state, deviceId: device?.id ?? "" };
}

export function mfaRoutes(deps: Deps) {
  const router = createRouter();
  const auth = requireAuth(deps);
  router.use("/api/v1/auth/2fa/disable", auth);
  router.use("/api/v1/auth/2fa/recovery-codes", auth);
  return router
    .openapi(loginMfa, async (c) => {
      return c.json(await loginStepAnswer(c, deps, c.req.valid("json"), completeMfaStep), 200);
    })
    .openapi(enableInit, async (c) => {
      const principal = await enrolmentPrincipal(c, deps);
      c.header("Cache-Control", "no-store");
      return c.json(await startEnrolment(services(c, deps), principal.user), 200);
    })
    .openapi(enableComplete, async (c) => {
      const input = c.req.valid("json");
      const principal = await enrolmentPrincipal(c, deps, input.deviceId);
      const s = services(c, deps);
      const result = await completeEnrolment(s, requestClient(c), principal.user, input);
      c.header("Cache-Control", "no-store");
      if (principal.kind === "session") return c.json(result, 200);
      const next: StepAnswer = await stepAnswer({
        s,
        user: principal.user,
        state: { ...principal.state, done: [...principal.state.done, "mfa_setup"] },
      });
      return c.json({ ...result, ...next, deviceId: principal.deviceId }, 200);
    })
    .openapi(disable, async (c) => {
      await disableMfa(services(c, deps), requestClient(c), c.var.auth.userId, c.req.valid("json"));
      return c.body(null, 204);
    })
    .openapi(regenerate, async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(
        await regenerateRecoveryCodes(
          services(c, deps),
          requestClient(c),
          c.var.auth.userId,
          c.req.valid("json").password,
        ),
        200,
      );
    });
}
