import { createRoute, z } from "@hono/zod-openapi";
import { PASSWORD_MAX_INPUT } from "../../crypto/password-policy";
import { prefersHtml } from "../../http/negotiate";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { registerOwner } from "./register-owner";
import { resendVerification, verifyEmail } from "./verification";

const Email = z
  .string()
  .max(320)
  .refine((v) => isValidEmail(normalizeEmail(v)), { message: "Enter a valid email address." })
  .openapi({ example: "ada@example.com" });

const Password = z
  .string()
  .min(1, { message: "Enter a password." })
  .max(PASSWORD_MAX_INPUT, { message: "Use at most 128 characters." })
  .openapi({ format: "password" });

const RegisterRequest = z
  .strictObject({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(100).optional(),
    teamName: z.string().trim().min(1, { message: "Enter a team name." }).max(100),
    teamSlug: z.string().max(64).optional().openapi({ example: "acme" }),
    turnstileToken: z.string().max(2048).optional(),
  })
  .openapi("RegisterRequest");

const RegisterResponse = z
  .object({ userId: z.string(), teamId: z.string(), message: z.string() })
  .openapi("RegisterResponse");

const register = createRoute({
  method: "post",
  path: "/api/v1/auth/register",
  tags: ["Registration"],
  summary: "Register as a team owner (Door A)",
  description:
    "Creates an unverified user, their team (slug derived from the name when absent) and the Owner membership, " +
    "and mails a verification link (24 h, single use). An unverified address that registers again gets the link again.",
  request: jsonBody(RegisterRequest),
  responses: {
    201: json(RegisterResponse, "Registered; verification mail sent"),
    400: problem("captcha_required or malformed_json"),
    409: problem("email_taken or slug_taken"),
    413: problem("payload_too_large"),
    415: problem("unsupported_media_type"),
    422: problem("validation_failed (including password policy)"),
    429: problem("rate_limited"),
  },
});

const ResendRequest = z.strictObject({ email: Email }).openapi("ResendVerificationRequest");

const resend = createRoute({
  method: "post",
  path: "/api/v1/auth/resend-verification",
  tags: ["Registration"],
  summary: "Send the verification link again",
  description: "Always 202, whether or not the address is registered (at most 3 mails a day per address).",
  request: jsonBody(ResendRequest),
  responses: {
    202: json(z.object({ accepted: z.literal(true) }), "Accepted"),
    422: problem("validation_failed"),
    429: problem("rate_limited"),
  },
});

const verify = createRoute({
  method: "get",
  path: "/api/v1/auth/verify-email",
  tags: ["Registration"],
  summary: "Confirm an email address",
  description:
    "JSON clients get 200 `{ verified: true }`; browsers (Accept: text/html) get 303 to /login?verified=1.",
  request: { query: z.object({ token: z.string().min(1).max(200) }) },
  responses: {
    200: json(z.object({ verified: z.literal(true) }), "Verified"),
    303: { description: "Browsers: redirect to /login?verified=1" },
    400: problem("invalid_token (expired, used or unknown)"),
    429: problem("rate_limited"),
  },
});

export function registrationRoutes() {
  return createRouter()
    .openapi(register, async (c) => {
      const result = await registerOwner(c.var.ctx, c.req.valid("json"));
      return c.json(result, 201);
    })
    .openapi(resend, async (c) => {
      await resendVerification(c.var.ctx, c.req.valid("json").email);
      return c.json({ accepted: true as const }, 202);
    })
    .openapi(verify, async (c) => {
      await verifyEmail(c.var.ctx, c.req.valid("query").token);
      if (prefersHtml(c.req.header("accept"))) {
        c.header("Cache-Control", "no-store");
        return c.redirect("/login?verified=1", 303);
      }
      return c.json({ verified: true as const }, 200);
    });
}
