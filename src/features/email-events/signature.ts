import { constantTimeEqual, fromBase64, utf8 } from "../../crypto/encoding";

/**
 * Webhook authentication, pure. Resend signs with Svix, i.e. Standard Webhooks
 * (https://www.standardwebhooks.com/): `webhook-signature` (or `svix-signature`) holds space-separated
 * `v1,<base64 HMAC-SHA-256 of "<id>.<timestamp>.<body>">` under the base64 key after `whsec_`; a timestamp more
 * than five minutes from now is refused (replay). Postmark authenticates with HTTP basic credentials set on the
 * webhook URL, compared in constant time.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export interface SignedDelivery {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  body: string;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing_headers" | "stale_timestamp" | "bad_signature" | "bad_secret" };

/** Reads the Standard Webhooks headers, or Svix's names for the same. */
export function signedDelivery(headers: Headers, body: string): SignedDelivery {
  const pick = (name: string) => headers.get(`webhook-${name}`) ?? headers.get(`svix-${name}`);
  return { id: pick("id"), timestamp: pick("timestamp"), signature: pick("signature"), body };
}

export async function verifyStandardWebhook(
  secret: string,
  delivery: SignedDelivery,
  nowMs: number,
): Promise<SignatureCheck> {
  const { id, timestamp, signature, body } = delivery;
  if (!id || !timestamp || !signature) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "stale_timestamp" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: "stale_timestamp" };
  }
  let key: Uint8Array;
  try {
    key = fromBase64(secret.replace(/^whsec_/, ""));
  } catch {
    return { ok: false, reason: "bad_secret" };
  }
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, utf8(`${id}.${timestamp}.${body}`)));
  // Several signatures may be listed (a secret being rotated); any valid v1 one is enough.
  for (const part of signature.split(" ")) {
    const [version, value] = part.split(",", 2);
    if (version !== "v1" || !value) continue;
    let given: Uint8Array;
    try {
      given = fromBase64(value);
    } catch {
      continue;
    }
    if (given.length === expected.length && constantTimeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: "bad_signature" };
}

/** True when the `Authorization: Basic …` header carries exactly `expected` (`user:password`). */
export async function basicAuthMatches(
  header: string | null | undefined,
  expected: string,
): Promise<boolean> {
  const given = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "")?.[1];
  let decoded = "";
  try {
    decoded = given ? atob(given) : "";
  } catch {
    decoded = "";
  }
  // Same-length digests compared in constant time: neither the credentials nor their length leak.
  const [a, b] = await Promise.all([decoded, expected].map((s) => crypto.subtle.digest("SHA-256", utf8(s))));
  return (
    decoded !== "" && constantTimeEqual(new Uint8Array(a as ArrayBuffer), new Uint8Array(b as ArrayBuffer))
  );
}
