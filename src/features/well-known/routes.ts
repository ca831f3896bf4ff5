import { createRoute, z } from "@hono/zod-openapi";
import { signingKeys } from "../../auth/access-tokens";
import { toHex } from "../../crypto/encoding";
import { publicJwks, type SigningKeys } from "../../crypto/jwt";
import { createRouter, json } from "../../http/router";

const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("JWKS", { description: "RFC 7517 JSON Web Key Set" });

const jwks = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Tokens"],
  summary: "Public keys that verify Gatehouse tokens (current, next and previous)",
  responses: { 200: json(Jwks, "The key set"), 304: { description: "Not modified (If-None-Match)" } },
});

/** The JWKS body and its strong ETag, computed once per key set (the set is cached per isolate). */
const rendered = new WeakMap<SigningKeys, Promise<{ body: string; etag: string }>>();

function render(keys: SigningKeys): Promise<{ body: string; etag: string }> {
  let out = rendered.get(keys);
  if (!out) {
    const body = JSON.stringify(publicJwks(keys));
    out = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(body))
      .then((d) => ({ body, etag: `"${toHex(new Uint8Array(d)).slice(0, 32)}"` }));
    rendered.set(keys, out);
  }
  return out;
}

export function wellKnownRoutes() {
  return createRouter().openapi(jwks, async (c) => {
    const { body, etag } = await render(await signingKeys(c.var.ctx));
    // Caches may hold it for 5 minutes: a next key is published days before it signs, and a verifier that
    // meets an unknown kid refetches (docs/signing-keys.md).
    c.header("Cache-Control", "public, max-age=300, stale-while-revalidate=60");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("ETag", etag);
    const cached = c.req.header("if-none-match")?.split(/\s*,\s*/) ?? [];
    if (cached.includes(etag)) return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json" }) as never;
  });
}
