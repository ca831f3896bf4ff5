import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PASSWORD_MAX_INPUT } from "../../crypto/password-policy";
import type { AppEnv } from "../../http/app-env";
import { prefersHtml } from "../../http/negotiate";
import { createRouter, json, problem } from "../../http/router";
import { HumanName, humanName, jsonBody } from "../../http/schemas";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { ConfirmPage } from "../../ui/confirm-page";
import { renderPage } from "../../ui/render";
import { registerOwner } from "./register-owner";
import { resendVerification, verifyEmail } from "./verification";

const VERIFY_PATH = "/api/v1/auth/verify-email";

/** The POST route the confirmation page's form posts to (form-encoded; see requireJsonContentType). */
export const VERIFY_EMAIL_FORM_PATHS = [VERIFY_PATH] as const;

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

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

/** Door A's fields (the API's body; the /register page checks its form with it too). */
export const RegisterRequest = z
  .strictObject({
    email: Email,
    password: Password,
    name: HumanName.optional(),
    teamName: humanName({ max: 100, empty: "Enter a team name." }),
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

const VerifyToken = z.string().min(1).max(200);
const VerifyBody = z.strictObject({ token: VerifyToken }).openapi("VerifyEmailRequest");
const Verified = z.object({ verified: z.literal(true) });

const verifyPreview = createRoute({
  method: "get",
  path: VERIFY_PATH,
  tags: ["Registration"],
  summary: "Confirm an email address (JSON clients) or show the confirmation page",
  description:
    "For API clients: a GET that does not prefer HTML verifies, 200 `{ verified: true }`. A browser " +
    "(`Accept: text/html` first) and every HEAD get the confirmation page, whose one button POSTs the token. " +
    "No mail carries this URL: the mailed link is the page `/verify-email?token=`, which decides nothing on GET.",
  request: { query: z.object({ token: VerifyToken }) },
  responses: {
    200: {
      description: "Verified (JSON), or the confirmation page (HTML)",
      content: {
        "application/json": { schema: Verified },
        "text/html": { schema: z.string().openapi({ description: "A confirmation page with one button" }) },
      },
    },
    400: problem("invalid_token (expired, used or unknown)"),
    429: problem("rate_limited"),
  },
});

const verifyPost = createRoute({
  method: "post",
  path: VERIFY_PATH,
  tags: ["Registration"],
  summary: "Confirm an email address",
  description:
    "`{ token }` from the verification mail (24 h, single use): JSON → 200 `{ verified: true }`; the " +
    "confirmation page's form (form-encoded) → 303 to /login?verified=1. The token is the only credential: " +
    "no cookie is read, so no CSRF check applies.",
  request: {
    body: {
      content: {
        "application/json": { schema: VerifyBody },
        "application/x-www-form-urlencoded": { schema: VerifyBody },
      },
      // "required: true" would run both body validators on every request (@hono/zod-openapi), so a JSON body
      // would fail the form schema; each validator runs for its own content type, and the handler refuses none.
      required: false,
    },
  },
  responses: {
    200: json(Verified, "Verified"),
    303: { description: "Form posts: redirect to /login?verified=1" },
    400: problem("invalid_token (expired, used or unknown)"),
    415: problem("unsupported_media_type"),
    422: problem("validation_failed"),
    429: problem("rate_limited"),
  },
});

/** The page a verification link opens: one button that POSTs the token. Renders no state and reads nothing. */
function confirmPage(c: Context<AppEnv>, token: string) {
  c.header("Cache-Control", "no-store");
  return renderPage(
    c,
    ConfirmPage({
      title: "Confirm your email address",
      lines: [
        "Press the button to confirm that this email address is yours and finish your registration.",
        "If you did not sign up, close this page: nothing happens unless you press the button.",
      ],
      form: { action: VERIFY_PATH, fields: { token }, button: "Confirm email address" },
    }),
  );
}

function deadLinkPage(c: Context<AppEnv>, error: AuthError) {
  c.header("Cache-Control", "no-store");
  return renderPage(
    c,
    ConfirmPage({
      title: "Link invalid or expired",
      lines: [
        error.detail,
        "If you registered more than once, only the newest link works. Sign in to get a new one.",
      ],
    }),
    400,
  );
}

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
    .openapi(verifyPreview, async (c) => {
      const { token } = c.req.valid("query");
      // HEAD is answered by this handler too (Hono): it must decide nothing, whatever it asks for. A browser
      // gets the confirmation page. Programmatic clients (the contract's `GET … → { verified: true }`) verify:
      // no mail links here — mails link to the /verify-email page — so no mail scanner opens this URL.
      if (c.req.method === "HEAD" || prefersHtml(c.req.header("accept"))) {
        return (await confirmPage(c, token)) as never;
      }
      await verifyEmail(c.var.ctx, token);
      c.header("Cache-Control", "no-store");
      return c.json({ verified: true as const }, 200);
    })
    .openapi(verifyPost, async (c) => {
      const form = FORM_TYPE.test(c.req.header("content-type") ?? "");
      const body = (form ? c.req.valid("form") : c.req.valid("json")) as { token: string } | undefined;
      if (!body) throw AuthError.validation([{ path: "token", message: "Enter the token from the link." }]);
      const { token } = body;
      const browser = form || prefersHtml(c.req.header("accept"));
      c.header("Cache-Control", "no-store");
      try {
        await verifyEmail(c.var.ctx, token);
      } catch (error) {
        if (browser && error instanceof AuthError && error.code === "invalid_token") {
          return (await deadLinkPage(c, error)) as never;
        }
        throw error;
      }
      if (browser) return c.redirect("/login?verified=1", 303);
      return c.json({ verified: true as const }, 200);
    })
    .get("/verify-email", (c) => {
      const token = c.req.query("token") ?? "";
      if (!VerifyToken.safeParse(token).success) {
        return deadLinkPage(c, new AuthError("invalid_token"));
      }
      return confirmPage(c, token);
    });
}
