import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { analyticsReport } from "./analytics";

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional();

const TotalsSchema = z.object({
  logins: z.number().int(),
  loginSuccesses: z.number().int(),
  loginFailures: z.number().int(),
  suspiciousLogins: z.number().int(),
  deviceApprovals: z.number().int(),
  passwordResets: z.number().int(),
  lockouts: z.number().int(),
});

const Report = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: TotalsSchema,
    rates: z.object({
      loginSuccess: z.number(),
      loginFailure: z.number(),
      suspicious: z.number(),
      deviceApproval: z.number(),
      passwordReset: z.number(),
    }),
    avgSessionSeconds: z.number().int(),
    daily: z.array(TotalsSchema.extend({ date: z.string() })),
  })
  .openapi("SignInAnalytics");

const report = createRoute({
  method: "get",
  path: "/api/v1/admin/analytics",
  tags: ["Admin"],
  summary: "Sign-in analytics of UTC days from..to (≤ 366; default the last 30), from the daily rollups",
  ...platformRoute("admin", "support"),
  request: {
    query: z.object({
      from: Day.openapi({ example: "2026-01-01" }),
      to: Day.openapi({ example: "2026-01-30" }),
    }),
  },
  responses: {
    200: json(Report, "Totals, rates (fractions in [0, 1]), average session duration and the daily series"),
    401: problem("unauthorized"),
    403: problem("forbidden (not admin or support)"),
    422: problem("validation_failed (not a day, from after to, more than 366 days)"),
  },
});

export function analyticsRoutes() {
  return createRouter().openapi(report, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await analyticsReport(c.var.ctx, c.req.valid("query")), 200);
  });
}
