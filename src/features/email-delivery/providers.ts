import { httpEmailProvider } from "../../email/providers/http";
import { mailboxProvider } from "../../email/providers/mailbox";
import type { RequestContext } from "../../platform/context";
import { callDependency } from "../../platform/outbound/breaker";
import { DEPENDENCY_POLICIES } from "../../platform/outbound/policies";
import { type Guard, isMessageFault, type ProviderSlot } from "./failover";

/**
 * The configured providers, in failover order, each named by the circuit-breaker dependency that guards it:
 * `email:${EMAIL_PROVIDER}`, then `email:${EMAIL_SECONDARY_PROVIDER}` when one is configured (a secondary of
 * the same kind at another URL is `email:<kind>-secondary`, so the two keep separate breakers).
 */
export function providerSlots(ctx: RequestContext): ProviderSlot[] {
  const { config } = ctx;
  const primary: ProviderSlot = {
    dependency: `email:${config.EMAIL_PROVIDER}`,
    provider:
      config.EMAIL_PROVIDER === "mailbox"
        ? mailboxProvider(ctx)
        : httpEmailProvider({
            kind: config.EMAIL_PROVIDER,
            apiKey: config.EMAIL_API_KEY ?? "",
            apiUrl: config.EMAIL_API_URL,
            fetch: ctx.fetch,
          }),
  };
  const kind = config.EMAIL_SECONDARY_PROVIDER;
  if (!kind) return [primary];
  const dependency = kind === config.EMAIL_PROVIDER ? `email:${kind}-secondary` : `email:${kind}`;
  const secondary: ProviderSlot = {
    dependency,
    provider: httpEmailProvider({
      kind,
      apiKey: config.EMAIL_SECONDARY_API_KEY ?? "",
      apiUrl: config.EMAIL_SECONDARY_API_URL,
      fetch: ctx.fetch,
    }),
  };
  return [primary, secondary];
}

/** The provider's name for the outbox row and the metrics: the dependency without `email:`. */
export function providerName(dependency: string): string {
  return dependency.replace(/^email:/, "");
}

/**
 * Each provider call under its circuit breaker (platform/outbound/breaker.ts): refused without a call while open,
 * aborted after the email policy's timeout (platform/outbound/policies.ts). A refusal of the message itself is
 * not the provider's fault (`isFaultError` false): re-thrown unchanged, it neither opens the breaker nor fails
 * over. The dev mailbox is no outbound dependency and is never guarded.
 */
export function breakerGuard(ctx: RequestContext): Guard {
  return (dependency, call) =>
    dependency === "email:mailbox"
      ? call(AbortSignal.timeout(DEPENDENCY_POLICIES.email.timeoutMs))
      : callDependency(ctx, dependency, call, {
          timeoutMs: DEPENDENCY_POLICIES.email.timeoutMs,
          isFaultError: (error) => !isMessageFault(error),
        });
}
