import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { presentedDevice } from "../../http/device";
import { prefersHtml } from "../../http/negotiate";
import { createRouter, json, problem } from "../../http/router";
import { DeviceIdField } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { type DecisionResult, decideLogin, loginStatus } from "./approval";
import { LoginStep } from "./schemas";

const LoginStatus = z
  .union([
    LoginStep,
    z.object({ step: z.literal("login_approval"), expiresIn: z.number().int() }),
    z.object({ step: z.literal("denied") }),
  ])
  .openapi("LoginStatus");

const status = createRoute({
  method: "get",
  path: "/api/v1/auth/login/status",
  tags: ["Login"],
  summary: "Poll a login waiting at step login_approval",
  description:
    "`Authorization: Bearer <preAuthToken>`, from the device that started the login (cookie, or `?deviceId=`). " +
    'Answers `{ step: "login_approval" }` until the owner decides, `{ step: "denied" }` after a deny, and the ' +
    "next step (with a new pre-auth token) after an approve. Polling does not extend the pre-auth token.",
  request: { query: z.object({ deviceId: DeviceIdField }) },
  responses: {
    200: json(LoginStatus, "Where the login stands"),
    401: problem("unauthorized (pre-auth token invalid, expired or from another device)"),
  },
});

const DecisionAnswer = z
  .object({ status: z.enum(["approved", "denied"]), resetUrl: z.string().optional() })
  .openapi("LoginDecision");

const decisionRoute = (decision: "approve" | "deny") =>
  createRoute({
    method: "get",
    path: `/api/v1/auth/login/${decision}`,
    tags: ["Login"],
    summary:
      decision === "approve"
        ? "Approve a suspicious login (mailed link)"
        : "Deny a suspicious login (mailed link)",
    description:
      "Single-use link from the suspicious-login email (valid 15 minutes); after either decision both links are " +
      "dead. Browsers (Accept: text/html) get a short page, other clients JSON.",
    request: { query: z.object({ token: z.string().max(200) }) },
    responses: {
      200: {
        description: "Decided",
        content: {
          "application/json": { schema: DecisionAnswer },
          "text/html": { schema: z.string().openapi({ description: "A short page for browsers" }) },
        },
      },
      400: problem("invalid_token (unknown, used or expired link)"),
    },
  });

const PAGE_COPY = {
  approved: {
    title: "Sign-in approved",
    text: "Thanks. The sign-in can continue on the device it was started from.",
  },
  denied: {
    title: "Sign-in denied",
    text:
      "The sign-in was blocked. Whoever tried it knows your password, so please choose a new one now. " +
      "Your other sessions were not changed.",
  },
} as const;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A self-contained page (no scripts, no external resources) for someone who opened the link in a browser. */
function decisionPage(c: Context<AppEnv>, result: DecisionResult) {
  const copy = PAGE_COPY[result.status];
  const reset = result.resetUrl
    ? `<p><a href="${escapeHtml(result.resetUrl)}">Reset your password</a></p>`
    : "";
  c.header("Cache-Control", "no-store");
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${copy.title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">` +
      `<h1>${copy.title}</h1><p>${escapeHtml(copy.text)}</p>${reset}</body></html>`,
  );
}

export function loginApprovalRoutes() {
  const decide = async (c: Context<AppEnv>, input: { decision: "approved" | "denied"; token: string }) => {
    const result = await decideLogin(c.var.ctx, input);
    if (prefersHtml(c.req.header("accept"))) return decisionPage(c, result);
    c.header("Cache-Control", "no-store");
    return c.json(result, 200);
  };
  return createRouter()
    .openapi(status, async (c) => {
      const auth = c.req.header("authorization");
      const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : "";
      if (!token) {
        throw new AuthError("unauthorized", {
          headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
        });
      }
      const device = await presentedDevice(c, c.req.valid("query").deviceId);
      const answer = await loginStatus(c.var.ctx, { deviceHash: device?.hash ?? null, preAuthToken: token });
      c.header("Cache-Control", "no-store");
      return c.json("preAuthToken" in answer ? { ...answer, deviceId: device?.id ?? "" } : answer, 200);
    })
    .openapi(decisionRoute("approve"), (c) =>
      decide(c, { decision: "approved", token: c.req.valid("query").token }),
    )
    .openapi(decisionRoute("deny"), (c) =>
      decide(c, { decision: "denied", token: c.req.valid("query").token }),
    );
}
