import { createRoute, z } from "@hono/zod-openapi";
import { signedIn } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { DeviceIdField, jsonBody } from "../../http/schemas";
import { LoginStep } from "../login/schemas";
import { loginStepAnswer } from "../login/step-route";
import { completeDeviceStep } from "./login-step";
import { forgetTrustedDevice, trustedDevicesOf } from "./trusted-devices";

const deviceStep = createRoute({
  method: "post",
  path: "/api/v1/auth/login/device",
  tags: ["Login"],
  summary: "Step device_approval: the 6-digit code mailed for this device",
  description: "5 wrong codes void the challenge: sign in again for a new code.",
  request: jsonBody(
    z.strictObject({
      preAuthToken: z.string().max(4096),
      code: z.string().min(1).max(16),
      trustDevice: z.boolean().optional(),
      deviceId: DeviceIdField,
    }),
  ),
  responses: {
    200: json(LoginStep, "The next step"),
    401: problem('invalid_code — "Invalid security code." — or unauthorized'),
    403: problem("step_required"),
    429: problem("rate_limited"),
  },
});

const TrustedDevice = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string() })
  .openapi("TrustedDevice");

const list = createRoute({
  method: "get",
  path: "/api/v1/auth/trusted-devices",
  tags: ["Sessions"],
  summary: "My trusted devices (they skip device approval for 90 days)",
  ...signedIn(),
  responses: {
    200: json(z.object({ items: z.array(TrustedDevice), nextCursor: z.string().nullable() }), "Devices"),
    401: problem("unauthorized"),
  },
});

const revoke = createRoute({
  method: "post",
  path: "/api/v1/auth/trusted-devices/revoke",
  tags: ["Sessions"],
  summary: "Forget a trusted device: its next login needs approval again",
  ...signedIn(),
  request: jsonBody(z.strictObject({ deviceId: z.string().max(128) })),
  responses: { 204: { description: "Revoked" }, 401: problem("unauthorized"), 404: problem("not_found") },
});

export function deviceRoutes() {
  return createRouter()
    .openapi(deviceStep, async (c) => {
      return c.json(await loginStepAnswer(c, c.req.valid("json"), completeDeviceStep), 200);
    })
    .openapi(list, async (c) => {
      const items = await trustedDevicesOf(c.var.ctx, c.var.auth.userId);
      c.header("Cache-Control", "no-store");
      return c.json({ items, nextCursor: null }, 200);
    })
    .openapi(revoke, async (c) => {
      await forgetTrustedDevice(c.var.ctx, {
        userId: c.var.auth.userId,
        deviceId: c.req.valid("json").deviceId,
      });
      return c.body(null, 204);
    });
}
