import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { presentedDevice } from "../../http/device";
import { prefersHtml } from "../../http/negotiate";
import { createRouter, fieldErrors, json, problem } from "../../http/router";
import { DeviceIdField } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { ConfirmPage, type PageFact } from "../../ui/confirm-page";
import { renderPage } from "../../ui/render";
import {
  type DecisionPreview,
  type DecisionResult,
  decideLogin,
  loginStatus,
  previewLoginDecision,
} from "./approval";
import { LoginStep } from "./schemas";

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

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

const DecisionPreviewSchema = z
  .object({
    action: z.enum(["approve", "deny"]),
    status: z.enum(["pending", "approved", "denied"]),
    login: z.object({
      at: z.string().openapi({ format: "date-time" }),
      location: z.string().nullable(),
      device: z.string().nullable(),
      ip: z.string().optional(),
    }),
  })
  .openapi("LoginDecisionPreview");

const TokenBody = z.object({ token: z.string().max(200) });

type Decision = "approve" | "deny";

/** The two POST routes the confirmation page's form posts to (form-encoded; see requireJsonContentType). */
export const LOGIN_DECISION_FORM_PATHS = ["/api/v1/auth/login/approve", "/api/v1/auth/login/deny"] as const;

const previewRoute = (decision: Decision) =>
  createRoute({
    method: "get",
    path: `/api/v1/auth/login/${decision}`,
    tags: ["Login"],
    summary:
      decision === "approve"
        ? "What the approve link of a suspicious-login mail would decide (decides nothing)"
        : "What the deny link of a suspicious-login mail would decide (decides nothing)",
    description:
      "The link from the suspicious-login email. Opening it (GET or HEAD) decides nothing — mail scanners open " +
      "every link — it shows the login's time, place and device: browsers (Accept: text/html) get a page with one " +
      `button that POSTs the token to /api/v1/auth/login/${decision}, other clients JSON.`,
    request: { query: z.object({ token: z.string().max(200) }) },
    responses: {
      200: {
        description: "What the link would decide, and where the approval stands",
        content: {
          "application/json": { schema: DecisionPreviewSchema },
          "text/html": { schema: z.string().openapi({ description: "A confirmation page with one button" }) },
        },
      },
      400: problem("invalid_token (unknown link, or undecided and expired)"),
      422: problem("validation_failed (no token)"),
    },
  });

const decisionRoute = (decision: Decision) =>
  createRoute({
    method: "post",
    path: `/api/v1/auth/login/${decision}`,
    tags: ["Login"],
    summary: decision === "approve" ? "Approve a suspicious login" : "Deny a suspicious login",
    description:
      "`{ token }` from the suspicious-login email's link (valid 15 minutes, single use): JSON, or " +
      "form-encoded from the confirmation page (which then gets a page back). After either decision both " +
      "links answer 409. The token is the only credential: no cookie, so no CSRF check applies.",
    request: {
      body: {
        content: {
          "application/json": { schema: TokenBody },
          "application/x-www-form-urlencoded": { schema: TokenBody },
        },
        // Each media type's validator runs only for its own Content-Type (a required body would run both);
        // the handler refuses a missing token with the same 422.
        required: false,
      },
    },
    responses: {
      200: {
        description: "Decided",
        content: {
          "application/json": { schema: DecisionAnswer },
          "text/html": { schema: z.string().openapi({ description: "A short page for browsers" }) },
        },
      },
      400: problem("invalid_token (unknown or expired link)"),
      409: problem("login_already_decided (approved or denied before)"),
      422: problem("validation_failed"),
    },
  });

const RESULT_COPY = {
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

const ASK_COPY = {
  approve: {
    title: "Approve this sign-in?",
    text: "If this sign-in was you, approve it and it continues on the device it was started from.",
    button: "Yes, it was me: approve",
  },
  deny: {
    title: "Deny this sign-in?",
    text:
      "If this sign-in wasn't you, deny it: it is blocked. Whoever tried it knows your password, so choose a " +
      "new one afterwards.",
    button: "Deny this sign-in",
  },
} as const;

/** `2025-03-01 14:05 UTC`: pages are rendered on the server, which does not know the reader's time zone. */
function utcLabel(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function facts(preview: DecisionPreview): PageFact[] {
  const { login } = preview;
  return [
    { label: "When", value: utcLabel(login.at) },
    { label: "Where", value: login.location ?? "Unknown place" },
    { label: "Device", value: login.device ?? "Unknown device" },
    ...(login.ip ? [{ label: "IP address", value: login.ip }] : []),
  ];
}

function previewPage(c: Context<AppEnv>, preview: DecisionPreview, token: string) {
  if (preview.status !== "pending") {
    return renderPage(
      c,
      ConfirmPage({
        title: `This sign-in was already ${preview.status}`,
        lines: ["Nothing more to do here. Links of an approval email work once."],
        facts: facts(preview),
      }),
    );
  }
  const copy = ASK_COPY[preview.action];
  return renderPage(
    c,
    ConfirmPage({
      title: copy.title,
      lines: [copy.text, "Nothing happens until you press the button."],
      facts: facts(preview),
      form: { action: `/api/v1/auth/login/${preview.action}`, fields: { token }, button: copy.button },
    }),
  );
}

function resultPage(c: Context<AppEnv>, result: DecisionResult) {
  const copy = RESULT_COPY[result.status];
  return renderPage(
    c,
    ConfirmPage({
      title: copy.title,
      lines: [copy.text],
      ...(result.resetUrl ? { link: { href: result.resetUrl, label: "Reset your password" } } : {}),
    }),
  );
}

/** Browsers get the dead-link answers as a page too (a problem+json document means nothing to a reader). */
function errorPage(c: Context<AppEnv>, error: AuthError) {
  if (error.code === "login_already_decided") {
    return renderPage(c, ConfirmPage({ title: "Sign-in already decided", lines: [error.detail] }), 409);
  }
  if (error.code === "invalid_token") {
    return renderPage(
      c,
      ConfirmPage({
        title: "Link invalid or expired",
        lines: [error.detail, "If you are signing in, start again from the sign-in page."],
      }),
      400,
    );
  }
  throw error;
}

/** HTML for browser navigations and form posts, JSON otherwise; never cached (the URL holds a token). */
async function answer<T>(
  c: Context<AppEnv>,
  run: () => Promise<T>,
  page: (value: T) => Promise<Response>,
): Promise<Response> {
  c.header("Cache-Control", "no-store");
  const html = prefersHtml(c.req.header("accept"));
  try {
    const value = await run();
    return html ? await page(value) : c.json(value, 200);
  } catch (error) {
    if (html && error instanceof AuthError) return errorPage(c, error);
    throw error;
  }
}

export function loginApprovalRoutes() {
  const router = createRouter().openapi(status, async (c) => {
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
  });
  for (const action of ["approve", "deny"] as const) {
    const decision = action === "approve" ? "approved" : "denied";
    // GET (and HEAD, which Hono answers with this handler) only reads: see previewLoginDecision.
    router.openapi(previewRoute(action), (c) => {
      const { token } = c.req.valid("query");
      return answer(
        c,
        () => previewLoginDecision(c.var.ctx, { decision, token }),
        (preview) => previewPage(c, preview, token),
      ) as never;
    });
    // No CSRF check: the POST is authenticated by the token in its body alone (no cookie is read), so a
    // cross-site form cannot act for anyone but a holder of the mailed token.
    router.openapi(decisionRoute(action), async (c) => {
      const form = FORM_TYPE.test(c.req.header("content-type") ?? "");
      const body = TokenBody.safeParse(form ? c.req.valid("form") : c.req.valid("json"));
      if (!body.success) throw AuthError.validation(fieldErrors(body.error.issues));
      const { token } = body.data;
      return answer(
        c,
        () => decideLogin(c.var.ctx, { decision, token }),
        (result) => resultPage(c, result),
      ) as never;
    });
  }
  return router;
}
