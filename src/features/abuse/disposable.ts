import { disposableEmailBlocklist } from "disposable-email-domains-js";
import { AuthError } from "../../platform/errors";

/**
 * Disposable (throwaway) address domains: the community-maintained list of the disposable-email-domains project,
 * shipped by the `disposable-email-domains-js` package (CC0, ~8,900 domains, +52 KB gzipped in the Worker;
 * updated by bumping the package). The Set is built once per isolate, on the first sign-up that asks.
 * A subdomain of a listed domain is disposable too (`x.mailinator.com`).
 */
let domains: ReadonlySet<string> | undefined;

function blocklist(): ReadonlySet<string> {
  domains ??= new Set(disposableEmailBlocklist().map((d) => d.toLowerCase()));
  return domains;
}

/** Whether a (normalised) address's domain, or a parent domain of it, is a known disposable one. */
export function isDisposableAddress(email: string): boolean {
  const at = email.lastIndexOf("@");
  if (at < 0) return false;
  const labels = email
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, "")
    .split(".");
  const list = blocklist();
  // Every suffix of two labels or more: `a.b.example.com` → `a.b.example.com`, `b.example.com`, `example.com`.
  for (let i = 0; i <= labels.length - 2; i += 1) {
    if (list.has(labels.slice(i).join("."))) return true;
  }
  return false;
}

/** The field error sign-up answers for a disposable address (422 `validation_failed`). */
export const DISPOSABLE_EMAIL_MESSAGE = "Please use a permanent email address.";

/** Throws 422 `validation_failed` with a field error on `email` (reason `disposable_email`) for such an address. */
export function refuseDisposableAddress(email: string): void {
  if (!isDisposableAddress(email)) return;
  throw AuthError.validation([
    { path: "email", message: DISPOSABLE_EMAIL_MESSAGE, reason: "disposable_email" },
  ]);
}
