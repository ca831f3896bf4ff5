import { logger } from "./logger";

/**
 * Cloudflare Turnstile, verified server-side (siteverify) through the injected fetch. Cloudflare's documented
 * test secrets are answered locally, without the network, exactly as siteverify would answer them:
 * `1x…AA` passes every token, `2x…AA` fails every token, `3x…AA` reports the token as already spent.
 * With a passing test secret any token does, e.g. the dummy `XXXX.DUMMY.TOKEN.XXXX` of Cloudflare's docs.
 * (Configuration refuses test secrets in production.)
 */
const TEST_SECRETS: Record<string, boolean> = {
  "1x0000000000000000000000000000000AA": true,
  "2x0000000000000000000000000000000AA": false,
  "3x0000000000000000000000000000000AA": false,
};

export type TurnstileResult = { ok: true } | { ok: false; reason: "missing" | "invalid" | "unavailable" };

export interface TurnstileDeps {
  fetch: typeof fetch;
  secret: string;
  verifyUrl: string;
}

export async function verifyTurnstile(
  deps: TurnstileDeps,
  token: string | undefined | null,
  remoteIp: string | null,
  idempotencyKey?: string,
): Promise<TurnstileResult> {
  if (!token) return { ok: false, reason: "missing" };
  if (token.length > 2048) return { ok: false, reason: "invalid" };
  const testAnswer = TEST_SECRETS[deps.secret];
  if (testAnswer !== undefined) return testAnswer ? { ok: true } : { ok: false, reason: "invalid" };

  const form = new FormData();
  form.set("secret", deps.secret);
  form.set("response", token);
  if (remoteIp) form.set("remoteip", remoteIp);
  if (idempotencyKey) form.set("idempotency_key", idempotencyKey);
  try {
    const response = await deps.fetch(deps.verifyUrl, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) {
      logger.warn("turnstile siteverify answered an error", { status: response.status });
      return { ok: false, reason: "unavailable" };
    }
    const outcome = (await response.json()) as { success?: boolean; "error-codes"?: string[] };
    if (outcome.success === true) return { ok: true };
    logger.info("turnstile token rejected", { errors: outcome["error-codes"] ?? [] });
    return { ok: false, reason: "invalid" };
  } catch (error) {
    // Fail closed: a CAPTCHA that cannot be checked is not passed.
    logger.warn("turnstile siteverify unreachable", { error });
    return { ok: false, reason: "unavailable" };
  }
}
