import { createRoute, z } from "@hono/zod-openapi";
import { teamRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { jsonBody, TEAM_PROBLEMS, TeamParams } from "../../http/schemas";
import { AuthError } from "../../platform/errors";
import { changeLimits, changePlan, getLimits, getPlan } from "./billing";
import { PLANS } from "./plans";
import { recordUsage, usageReport } from "./usage";

const PlanLimitsSchema = z.object({
  members: z.number().int(),
  apiKeys: z.number().int(),
  customRoles: z.number().int(),
  eventsPerSecond: z.number().int(),
});

const PlanAnswer = z
  .object({
    plan: z.enum(PLANS),
    limits: PlanLimitsSchema,
    groupType: z.string().nullable().openapi({ description: "The connected Virtuozzo account's groupType" }),
  })
  .openapi("TeamPlan");

const Limits = z
  .object({
    monthlyCapUsd: z.number().nullable().openapi({ description: "USD, at most 6 decimals; null: no cap" }),
    hardStop: z.boolean(),
    warnAtPercent: z.number().int(),
  })
  .openapi("SpendLimits");

const LimitsChange = z
  .strictObject({
    monthlyCapUsd: z.number().nullable().optional(),
    hardStop: z.boolean().optional(),
    warnAtPercent: z.number().int().min(1).max(99).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "Send at least one field." })
  .openapi("SpendLimitsChange");

const UsageBody = z
  .strictObject({
    amountUsd: z.number().openapi({ description: "USD > 0, at most 6 decimals, at most 1,000,000" }),
    description: z.string().trim().min(1).max(500),
  })
  .openapi("UsageRecordRequest");

const UsageAnswerSchema = z
  .object({
    id: z.string(),
    monthToDateUsd: z.number(),
    capUsd: z.number().nullable(),
    remainingUsd: z.number().nullable(),
  })
  .openapi("UsageRecorded");

const UsageReportSchema = z
  .object({
    month: z.string(),
    monthToDateUsd: z.number(),
    capUsd: z.number().nullable(),
    remainingUsd: z.number().nullable(),
    hardStop: z.boolean(),
    warnAtPercent: z.number().int(),
    warnings: z.array(z.object({ kind: z.enum(["warn", "cap"]), sentAt: z.string() })),
    items: z.array(
      z.object({
        id: z.string(),
        amountUsd: z.number(),
        description: z.string(),
        monthToDateUsd: z.number(),
        actorId: z.string().nullable(),
        apiKeyId: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("UsageReport");

/** Idempotency-Key: 1..200 printable ASCII characters (draft-ietf-httpapi-idempotency-key-header). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

const UsageHeaders = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Required: 1..200 printable ASCII characters; a repeated key answers its first result",
  }),
});

const UsageQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .openapi({ description: "UTC month YYYY-MM (default: the current one)" }),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const PAYMENT = { 402: problem("plan_limit_reached or spend_cap_reached") } as const;

export function planRoutes() {
  const readPlan = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/plan",
    tags: ["Plans"],
    summary: "The team's plan, its limits and the Virtuozzo account's groupType",
    ...teamRoute("billing:read"),
    request: { params: TeamParams },
    responses: { 200: json(PlanAnswer, "The plan"), ...TEAM_PROBLEMS },
  });
  const setPlan = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/plan",
    tags: ["Plans"],
    summary: "Change the plan (PRO needs a Virtuozzo account with groupType billing)",
    ...teamRoute("billing:manage"),
    request: {
      params: TeamParams,
      ...jsonBody(z.strictObject({ plan: z.enum(PLANS) }).openapi("PlanChange")),
    },
    responses: {
      200: json(PlanAnswer, "The plan now"),
      409: problem("billing_account_required"),
      ...TEAM_PROBLEMS,
    },
  });
  const readLimits = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/limits",
    tags: ["Plans"],
    summary: "The team's monthly spending limit",
    ...teamRoute("billing:read"),
    request: { params: TeamParams },
    responses: { 200: json(Limits, "The limits"), ...TEAM_PROBLEMS },
  });
  const setLimits = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/limits",
    tags: ["Plans"],
    summary: "Change the monthly spending limit (fields given replace the current ones)",
    ...teamRoute("billing:manage"),
    request: { params: TeamParams, ...jsonBody(LimitsChange) },
    responses: { 200: json(Limits, "The limits now"), ...TEAM_PROBLEMS },
  });
  const postUsage = createRoute({
    method: "post",
    path: "/api/v1/teams/{teamId}/usage",
    tags: ["Plans"],
    summary: "Record spend (Idempotency-Key required; atomic against a hard cap)",
    ...teamRoute("usage:write"),
    request: { params: TeamParams, headers: UsageHeaders, ...jsonBody(UsageBody) },
    responses: {
      201: json(UsageAnswerSchema, "Recorded (or the first result of a repeated key)"),
      400: problem("idempotency_key_required"),
      ...PAYMENT,
      ...TEAM_PROBLEMS,
      422: problem("validation_failed or idempotency_conflict (the key was used with another body)"),
    },
  });
  const readUsage = createRoute({
    method: "get",
    path: "/api/v1/teams/{teamId}/usage",
    tags: ["Plans"],
    summary: "A month's spend: total, cap, remaining, warnings sent and the ledger items (newest first)",
    ...teamRoute("billing:read"),
    request: { params: TeamParams, query: UsageQuery },
    responses: { 200: json(UsageReportSchema, "The month's usage"), ...TEAM_PROBLEMS },
  });

  return createRouter()
    .openapi(readPlan, async (c) => c.json(await getPlan(c.var.ctx, c.req.valid("param").teamId), 200))
    .openapi(setPlan, async (c) =>
      c.json(
        await changePlan(c.var.ctx, {
          auth: c.var.auth,
          teamId: c.req.valid("param").teamId,
          plan: c.req.valid("json").plan,
        }),
        200,
      ),
    )
    .openapi(readLimits, async (c) => c.json(await getLimits(c.var.ctx, c.req.valid("param").teamId), 200))
    .openapi(setLimits, async (c) =>
      c.json(
        await changeLimits(c.var.ctx, {
          auth: c.var.auth,
          teamId: c.req.valid("param").teamId,
          ...c.req.valid("json"),
        }),
        200,
      ),
    )
    .openapi(postUsage, async (c) => {
      const key = c.req.valid("header")["idempotency-key"];
      if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
        throw new AuthError("idempotency_key_required", { internal: { present: key !== undefined } });
      }
      const { answer, replayed } = await recordUsage(c.var.ctx, {
        auth: c.var.auth,
        teamId: c.req.valid("param").teamId,
        idempotencyKey: key,
        ...c.req.valid("json"),
      });
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json(answer, 201);
    })
    .openapi(readUsage, async (c) =>
      c.json(
        await usageReport(c.var.ctx, { teamId: c.req.valid("param").teamId, ...c.req.valid("query") }),
        200,
      ),
    );
}
