import { createRoute, z } from "@hono/zod-openapi";
import { signingKeys } from "../../auth/access-tokens";
import { publicJwks } from "../../crypto/jwt";
import { createRouter, json } from "../../http/router";

const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("JWKS", { description: "RFC 7517 JSON Web Key Set" });

const jwks = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Tokens"],
  summary: "Public keys that verify Gatehouse access tokens (current and previous)",
  responses: { 200: json(Jwks, "The key set") },
});

export function wellKnownRoutes() {
  return createRouter().openapi(jwks, async (c) => {
    const keys = publicJwks(await signingKeys(c.var.config));
    // Caches may hold it for 5 minutes: a new key is published well before it signs (rotation runbook).
    c.header("Cache-Control", "public, max-age=300, stale-while-revalidate=60");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(keys, 200);
  });
}
