import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

/** The client IP comes from `CF-Connecting-IP`, which Cloudflare's edge sets and clients cannot spoof. */
export function clientIp() {
  return createMiddleware<AppEnv>(async function setClientIp(c, next) {
    const header = c.req.header("cf-connecting-ip")?.trim();
    c.set("clientIp", header && /^[0-9a-fA-F.:]{2,45}$/.test(header) ? header : "unknown");
    await next();
  });
}
