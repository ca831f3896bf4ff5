import { type EmailProvider, EmailProviderError, type OutgoingEmail } from "../../email/types";

/**
 * Provider selection with failover (docs/email-delivery.md, "Failover"), pure: the circuit breaker comes in as
 * `guard`. Providers are tried in order (primary, then secondary) within one delivery:
 * - a send that succeeds ends it (`sent`, naming the provider);
 * - a failure that is the MESSAGE's fault (an EmailProviderError with fault `message`: 400/422) ends it too
 *   (`rejected`): no provider will take a bad address, so the mail is dead-lettered, not failed over;
 * - anything else is the PROVIDER's fault — the breaker open (nothing sent), a timeout, unreachable, 5xx, 429,
 *   our key refused — and the next provider is tried at once; when none is left, `unavailable`: the caller
 *   marks the row failed and the queue retries with backoff.
 */

/** A provider and the breaker dependency it is guarded by (`email:<kind>`). */
export interface ProviderSlot {
  dependency: string;
  provider: EmailProvider;
}

/**
 * Runs `call` under the dependency's circuit breaker (platform/outbound/breaker.ts `callDependency`): throws
 * without calling when the breaker is open, aborts `signal` on its timeout, re-throws a message fault unchanged.
 */
export type Guard = <T>(dependency: string, call: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** One provider that could not take the mail: why (`open`: not called), and the error's text for the log. */
export interface SkippedProvider {
  dependency: string;
  reason: "open" | "timeout" | "failure";
  detail: string;
}

export type FailoverOutcome =
  | { result: "sent"; dependency: string; providerMessageId: string | null; skipped: SkippedProvider[] }
  | { result: "rejected"; dependency: string; detail: string; skipped: SkippedProvider[] }
  | { result: "unavailable"; skipped: SkippedProvider[] };

export async function sendWithFailover(
  slots: readonly ProviderSlot[],
  email: OutgoingEmail,
  guard: Guard,
): Promise<FailoverOutcome> {
  const skipped: SkippedProvider[] = [];
  for (const { dependency, provider } of slots) {
    try {
      const { providerMessageId } = await guard(dependency, (signal) => provider.send(email, signal));
      return { result: "sent", dependency, providerMessageId, skipped };
    } catch (error) {
      if (isMessageFault(error)) {
        return { result: "rejected", dependency, detail: describe(error), skipped };
      }
      skipped.push({ dependency, reason: reasonOf(error), detail: describe(error) });
    }
  }
  return { result: "unavailable", skipped };
}

/** A refusal of the message itself: the breaker's `isFaultError` answers false for it (not the provider's fault). */
export function isMessageFault(error: unknown): boolean {
  return error instanceof EmailProviderError && error.fault === "message";
}

function reasonOf(error: unknown): SkippedProvider["reason"] {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return reason === "open" || reason === "timeout" ? reason : "failure";
}

/** The error and its cause (the breaker wraps the provider's error), for the outbox row and the log. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
