import { z } from "@hono/zod-openapi";
import { SIGNING_KEY_STATES } from "../../db/tables";
import type { RequestContext } from "../../platform/context";
import { allKeys, type SigningKeyRow } from "./store";

const iso = z.string().nullable();

export const SigningKeyView = z
  .object({
    kid: z.string(),
    alg: z.string(),
    state: z.enum(SIGNING_KEY_STATES),
    origin: z.enum(["generated", "imported"]),
    createdAt: z.string(),
    activatedAt: iso,
    deactivatedAt: iso,
    retiredAt: iso,
    revokedAt: iso,
  })
  .openapi("SigningKey");

export const SigningKeyList = z
  .object({
    /** `bootstrap`: no key in D1 yet, tokens are signed with JWT_SIGNING_KEYS (imported by the first cron run). */
    source: z.enum(["bootstrap", "managed"]),
    keys: z.array(SigningKeyView),
  })
  .openapi("SigningKeyList");

const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A key as the admin API shows it: the kid, its state and dates; the key material is never returned. */
export function toView(row: SigningKeyRow): z.infer<typeof SigningKeyView> {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    origin: row.origin,
    createdAt: new Date(row.createdAt).toISOString(),
    activatedAt: at(row.activatedAt),
    deactivatedAt: at(row.deactivatedAt),
    retiredAt: at(row.retiredAt),
    revokedAt: at(row.revokedAt),
  };
}

/** Every key, newest first; empty (`source: "bootstrap"`) until the first cron run or rotation imports them. */
export async function listSigningKeys(ctx: RequestContext): Promise<z.infer<typeof SigningKeyList>> {
  const keys = (await allKeys(ctx.db)).map(toView);
  return { source: keys.length === 0 ? "bootstrap" : "managed", keys };
}
