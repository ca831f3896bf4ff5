import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { platformRoute, platformWriteRoute } from "../../auth/guards";
import type { AppEnv } from "../../http/app-env";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { ACTION_PROBLEMS, ADMIN_PROBLEMS, ReasonBody } from "../admin/schemas";
import { type ParsedEvent, parsePostmarkEvent, parseResendEvent } from "./events";
import { type EmailEventProvider, recordEmailEvent } from "./service";
import { basicAuthMatches, signedDelivery, verifyStandardWebhook } from "./signature";
import { liftSuppression, listSuppressions } from "./suppressions";

/**
 * The providers' delivery webhooks (unauthenticated routes: each checks its provider's signature or credentials
 * on the raw body before anything is parsed) and the admin view of the suppression list.
 */

/** Whatever JSON the provider sends: the signature covers the raw bytes, the parser reads the fields it knows. */
const EventBody = z.looseObject({}).openapi("EmailProviderEvent");

const EventAnswer = z
  .object({ received: z.boolean(), duplicate: z.boolean(), ignored: z.string().optional() })
  .openapi("EmailEventAnswer");

const WEBHOOK_PROBLEMS = {
  401: problem("unauthorized (unsigned, wrongly signed, stale timestamp, or wrong credentials)"),
  404: problem("not_found (no webhook secret configured for this provider)"),
  422: problem("validation_failed"),
} as const;

const refused = (reason: string) =>
  new AuthError("unauthorized", {
    detail: "The webhook is not signed by the provider.",
    internal: { reason },
  });

/** Checks the delivery against the provider's secret on the raw body (read before the JSON validator parses it). */
function authenticWebhook(provider: EmailEventProvider) {
  return createMiddleware<AppEnv>(async function emailWebhookAuth(c, next) {
    const config = c.var.config;
    const secret =
      provider === "resend" ? config.EMAIL_RESEND_WEBHOOK_SECRET : config.EMAIL_POSTMARK_WEBHOOK_AUTH;
    if (!secret) throw new AuthError("not_found");
    const body = await c.req.text();
    if (provider === "resend") {
      const check = await verifyStandardWebhook(
        secret,
        signedDelivery(c.req.raw.headers, body),
        c.var.ctx.now(),
      );
      if (!check.ok) throw refused(check.reason);
    } else if (!(await basicAuthMatches(c.req.header("authorization"), secret))) {
      throw refused("bad_credentials");
    }
    await next();
  });
}

function webhookRoute(provider: EmailEventProvider) {
  return createRoute({
    method: "post",
    path: `/api/v1/email/events/${provider}`,
    tags: ["Email"],
    summary:
      provider === "resend"
        ? "Resend delivery events (Standard Webhooks signature): bounces and complaints suppress the address"
        : "Postmark delivery events (HTTP basic credentials on the URL): bounces and complaints suppress the address",
    middleware: [authenticWebhook(provider)] as const,
    request: { ...jsonBody(EventBody) },
    responses: {
      200: json(EventAnswer, "Recorded, a redelivery, or an event type not handled"),
      ...WEBHOOK_PROBLEMS,
    },
  });
}

const SuppressionSchema = z
  .object({
    id: z.string(),
    address: z.string().openapi({ description: "Masked: the list keeps only a keyed hash of the address" }),
    reason: z.enum(["hard_bounce", "complaint"]),
    provider: z.string(),
    events: z.number().int(),
    outboxId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("EmailSuppression");

const SuppressionPage = z
  .object({ items: z.array(SuppressionSchema), nextCursor: z.string().nullable() })
  .openapi("EmailSuppressionPage");

const ListQuery = z.object({
  email: z.string().trim().min(3).max(254).optional().openapi({ description: "Only this address's entry" }),
  cursor: z.string().max(120).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/email/suppressions",
  tags: ["Admin"],
  summary: "Addresses not mailed after a hard bounce or a complaint, newest first (admin, support)",
  ...platformRoute("admin", "support"),
  request: { query: ListQuery },
  responses: { 200: json(SuppressionPage, "A page of suppressions"), ...ADMIN_PROBLEMS },
});

const liftRoute = createRoute({
  method: "delete",
  path: "/api/v1/admin/email/suppressions/{id}",
  tags: ["Admin"],
  summary: "Lift a suppression: the address is mailed again (admin; audited)",
  ...platformWriteRoute("admin"),
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
    ...jsonBody(ReasonBody),
  },
  responses: { 204: { description: "Lifted" }, ...ACTION_PROBLEMS },
});

async function answer(
  c: { var: AppEnv["Variables"] },
  provider: EmailEventProvider,
  parsed: ParsedEvent,
): Promise<z.infer<typeof EventAnswer>> {
  if (!parsed.ok) {
    logger.info("email event ignored", { provider, type: parsed.ignored });
    return { received: true, duplicate: false, ignored: parsed.ignored };
  }
  const { duplicate } = await recordEmailEvent(c.var.ctx, { provider, event: parsed.event });
  return { received: true, duplicate };
}

export function emailEventRoutes() {
  return createRouter()
    .openapi(webhookRoute("resend"), async (c) => {
      const id = signedDelivery(c.req.raw.headers, "").id ?? "";
      return c.json(await answer(c, "resend", parseResendEvent(c.req.valid("json"), id)), 200);
    })
    .openapi(webhookRoute("postmark"), async (c) =>
      c.json(await answer(c, "postmark", parsePostmarkEvent(c.req.valid("json"))), 200),
    )
    .openapi(listRoute, async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(await listSuppressions(c.var.ctx, c.req.valid("query")), 200);
    })
    .openapi(liftRoute, async (c) => {
      await liftSuppression(c.var.ctx, {
        id: c.req.valid("param").id,
        actorId: c.var.auth.userId,
        reason: c.req.valid("json").reason,
      });
      return c.body(null, 204);
    });
}
