import { createRoute, z } from "@hono/zod-openapi";
import { fresh, signedIn } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { changePassword, forgotPassword, resetPassword } from "./reset-and-change";

const Password = z.string().min(1).max(1024).openapi({ format: "password" });

const forgot = createRoute({
  method: "post",
  path: "/api/v1/auth/forgot-password",
  tags: ["Passwords"],
  summary: "Mail a password-reset link (always 202)",
  request: jsonBody(
    z.strictObject({
      email: z
        .string()
        .max(320)
        .refine((v) => isValidEmail(normalizeEmail(v)), { message: "Enter a valid email address." }),
    }),
  ),
  responses: { 202: json(z.object({ accepted: z.literal(true) }), "Accepted"), 429: problem("rate_limited") },
});

const reset = createRoute({
  method: "post",
  path: "/api/v1/auth/reset-password",
  tags: ["Passwords"],
  summary: "Set a new password with a reset link's token; every session is revoked",
  request: jsonBody(z.strictObject({ token: z.string().min(1).max(200), newPassword: Password })),
  responses: {
    200: json(z.object({ reset: z.literal(true) }), "Password reset; sign in with it"),
    400: problem("invalid_token"),
    422: problem("validation_failed"),
    429: problem("rate_limited"),
  },
});

const change = createRoute({
  method: "post",
  path: "/api/v1/auth/change-password",
  tags: ["Passwords"],
  summary: "Change my password; my other sessions are revoked",
  ...signedIn(fresh()),
  request: jsonBody(z.strictObject({ currentPassword: Password, newPassword: Password })),
  responses: {
    200: json(z.object({ changed: z.literal(true) }), "Changed"),
    401: problem(
      "invalid_credentials (wrong current password: counts toward the login lockout), " +
        "insufficient_user_authentication (step-up needed: POST /auth/step-up) or unauthorized",
    ),
    403: problem("csrf_failed"),
    422: problem("validation_failed (the new password rejected)"),
    429: problem("rate_limited"),
  },
});

export function passwordRoutes() {
  return createRouter()
    .openapi(forgot, async (c) => {
      await forgotPassword(c.var.ctx, c.req.valid("json").email);
      return c.json({ accepted: true as const }, 202);
    })
    .openapi(reset, async (c) => {
      await resetPassword(c.var.ctx, c.req.valid("json"));
      c.header("Cache-Control", "no-store");
      return c.json({ reset: true as const }, 200);
    })
    .openapi(change, async (c) => {
      await changePassword(c.var.ctx, { auth: c.var.auth, ...c.req.valid("json") });
      return c.json({ changed: true as const }, 200);
    });
}
