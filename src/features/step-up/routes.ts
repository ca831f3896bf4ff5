import { createRoute, z } from "@hono/zod-openapi";
import { signedIn } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { SessionResponse, setSessionCookiesFor } from "../sessions/routes";
import { stepUp } from "./step-up";

const stepUpRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/step-up",
  tags: ["Sessions"],
  summary: "Confirm it's you again (RFC 9470 step-up): a fresh auth_time for this session",
  description:
    "After a 401 `insufficient_user_authentication`. A user with two-factor authentication sends `code` (TOTP or " +
    "recovery code; a password alone answers the same 401 with `acr_values` mfa); a user without sends " +
    "`password` — also in a risky session, whose owner is then mailed. Answers like refresh: a new access token " +
    "and refresh token of the same session (cookies too). Wrong proofs count toward the login lockout or the 2FA lock.",
  ...signedIn(),
  request: jsonBody(
    z.strictObject({
      password: z.string().min(1).max(1024).openapi({ format: "password" }).optional(),
      code: z.string().min(1).max(64).openapi({ example: "123456" }).optional(),
      turnstileToken: z.string().max(2048).optional(),
    }),
  ),
  responses: {
    200: json(SessionResponse, "Session tokens with a fresh auth_time (also set as cookies)"),
    400: problem("captcha_required (after a 2FA lock)"),
    401: problem(
      "invalid_credentials (wrong password: counts toward the lockout), invalid_code, " +
        "insufficient_user_authentication (a 2FA user sent no code) or unauthorized",
    ),
    403: problem("csrf_failed or forbidden (an API key)"),
    422: problem("validation_failed (no password for an account without 2FA)"),
    429: problem("rate_limited"),
  },
});

export function stepUpRoutes() {
  return createRouter().openapi(stepUpRoute, async (c) => {
    const tokens = await stepUp(c.var.ctx, { auth: c.var.auth, proof: c.req.valid("json") });
    setSessionCookiesFor(c, tokens);
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    const { refreshMaxAge: _age, sessionId: _sid, ...body } = tokens;
    return c.json(body, 200);
  });
}
