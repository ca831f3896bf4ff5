// The secrets the bootstrap can generate, and the ones a person must provide. Generated values go to
// `wrangler secret put` on stdin only: never on a command line, never in a log.
import { randomBytes, webcrypto } from "node:crypto";

const today = () => new Date().toISOString().slice(0, 10).replaceAll("-", "");

/** `ENCRYPTION_KEYS`: one AES-256 key, `id:base64(32 bytes)` (config/values.ts encryptionKeys). */
export function generateEncryptionKeys() {
  return `k${today()}:${randomBytes(32).toString("base64")}`;
}

/**
 * `JWT_SIGNING_KEYS`: one ES256 (P-256) private JWK as the bootstrap key set. Gatehouse imports it into its own
 * rotation on the first cron run and generates every later key itself (docs/signing-keys.md).
 */
export async function generateSigningKeys() {
  const pair = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const { kty, crv, x, y, d } = await webcrypto.subtle.exportKey("jwk", pair.privateKey);
  const kid = `boot-${today()}-${randomBytes(3).toString("hex")}`;
  return JSON.stringify({ current: kid, keys: [{ kty, crv, x, y, d, kid, alg: "ES256", use: "sig" }] });
}

/** `METRICS_TOKEN`: the bearer token Prometheus scrapes `GET /metrics` with (32 random bytes, base64url). */
export function generateMetricsToken() {
  return randomBytes(32).toString("base64url");
}

export const GENERATED_SECRETS = {
  ENCRYPTION_KEYS: generateEncryptionKeys,
  JWT_SIGNING_KEYS: generateSigningKeys,
  METRICS_TOKEN: generateMetricsToken,
};

/** Secrets only a person can provide (accounts elsewhere), with what each is for. */
export const PROVIDED_SECRETS = [
  { name: "TURNSTILE_SECRET_KEY", required: true, what: "Turnstile widget secret (dashboard → Turnstile)" },
  { name: "TURNSTILE_SITE_KEY", required: true, what: "Turnstile site key (public, rendered in the pages)" },
  { name: "EMAIL_API_KEY", required: true, what: "API key of EMAIL_PROVIDER (Resend or Postmark)" },
  { name: "ADMIN_EMAIL", required: false, what: "the first platform admin (created on the first request)" },
  {
    name: "ADMIN_PASSWORD",
    required: false,
    what: "its initial password (must be changed at first sign-in)",
  },
  {
    name: "EMAIL_SECONDARY_API_KEY",
    required: false,
    what: "the failover provider (EMAIL_SECONDARY_PROVIDER)",
  },
  { name: "EMAIL_RESEND_WEBHOOK_SECRET", required: false, what: "Resend bounce/complaint webhook (whsec_…)" },
  {
    name: "EMAIL_POSTMARK_WEBHOOK_AUTH",
    required: false,
    what: "Postmark webhook basic auth (user:password)",
  },
];
