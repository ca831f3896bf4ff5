import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { currentSignals } from "./signals";

const SignalsSchema = z
  .object({
    signals: z.array(
      z.object({
        kind: z.enum(["credential_stuffing", "password_spraying", "signup_burst"]),
        network: z.object({
          level: z.enum(["ip", "prefix", "asn"]),
          key: z.string().openapi({ example: "asn:64496" }),
        }),
        since: z.string().openapi({ description: "When the signal started (ISO 8601 UTC)" }),
        until: z.string().openapi({ description: "When it decays unless the network keeps it up" }),
      }),
    ),
  })
  .openapi("AbuseSignals");

const signalsRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/abuse/signals",
  tags: ["Admin"],
  summary: "Abuse signals on now: credential stuffing, password spraying and sign-up bursts per network",
  ...platformRoute("admin", "support"),
  responses: {
    200: json(SignalsSchema, "The current signals, newest first"),
    401: problem("unauthorized"),
    403: problem("forbidden (not a platform admin or support)"),
  },
});

export function abuseRoutes() {
  return createRouter().openapi(signalsRoute, async (c) => c.json(await currentSignals(c.var.ctx), 200));
}
