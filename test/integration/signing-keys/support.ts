import { env } from "cloudflare:test";
import { decodeProtectedHeader } from "jose";
import { forgetPublishedKeys, PUBLISHED_KEYS_KV_KEY } from "../../../src/features/signing-keys/keyring";
import { parseConfig } from "../../../src/platform/config";
import { createContext, type RequestContext } from "../../../src/platform/context";
import type { testWorker } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;

/** A background context (what the cron gets) on the test worker's clock and bindings. */
export function cronContext(app: App): RequestContext {
  const parsed = parseConfig(app.bindings);
  if (!parsed.ok) throw new Error(`test config: ${parsed.variables.join(", ")}`);
  return createContext(
    { now: app.clock.now, random: (n) => crypto.getRandomValues(new Uint8Array(n)), fetch },
    { env: app.bindings, config: parsed.config },
  );
}

/** Back to a deployment that never rotated: no key in D1, nothing published, this isolate's cache empty. */
export async function resetKeys(): Promise<void> {
  await env.DB.prepare("DELETE FROM signing_keys").run();
  await env.KV.delete(PUBLISHED_KEYS_KV_KEY);
  forgetPublishedKeys();
}

export async function keyRows() {
  const { results } = await env.DB.prepare(
    "SELECT kid, state, private_jwk AS privateJwk, public_jwk AS publicJwk FROM signing_keys ORDER BY created_at",
  ).all<{ kid: string; state: string; privateJwk: string | null; publicJwk: string }>();
  return results;
}

export async function kidInState(state: string): Promise<string> {
  const row = (await keyRows()).find((r) => r.state === state);
  if (!row) throw new Error(`no ${state} key`);
  return row.kid;
}

export const kidOf = (token: string) => decodeProtectedHeader(token).kid;

export const bootstrapKid = () => (JSON.parse(String(env.JWT_SIGNING_KEYS)) as { current: string }).current;

export async function jwksKids(app: App): Promise<string[]> {
  const res = await app.request("GET", "/.well-known/jwks.json");
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}
