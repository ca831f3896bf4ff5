import { httpEmailProvider } from "../../email/providers/http";
import { mailboxProvider } from "../../email/providers/mailbox";
import type { RequestContext } from "../../platform/context";
import type { Guard, ProviderSlot } from "./failover";

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

/** A provider call's time budget: a slow provider counts as down, and the next one is tried. */
export const SEND_TIMEOUT_MS = 10_000;

/**
 * Until the circuit breaker (platform/outbound/breaker.ts) is wired: each call under its timeout alone. The dev
 * mailbox is no outbound dependency and is never guarded.
 */
export function breakerGuard(_ctx: RequestContext): Guard {
  return (_dependency, call) => call(AbortSignal.timeout(SEND_TIMEOUT_MS));
}
