import { encodeHexUpperCase } from "@oslojs/encoding";
import { utf8 } from "../../crypto/encoding";
import { logger } from "../../platform/logger";

/**
 * Have I Been Pwned "Pwned Passwords" range API (k-anonymity): only the first 5 hex characters of the
 * password's SHA-1 leave the service, and padding is requested so the answer's size says nothing either.
 * Fails open: when HIBP cannot be reached the password is accepted and a warning is logged (NIST 800-63B
 * makes the check a SHOULD; an outage of a third party must not stop registrations).
 */
export interface BreachCheckDeps {
  fetch: typeof fetch;
  apiUrl: string;
  timeoutMs?: number;
}

export type BreachCheckResult = { checked: true; breached: boolean; count: number } | { checked: false };

export async function sha1Hex(password: string): Promise<string> {
  return encodeHexUpperCase(new Uint8Array(await crypto.subtle.digest("SHA-1", utf8(password))));
}

export async function checkBreachedPassword(
  deps: BreachCheckDeps,
  password: string,
): Promise<BreachCheckResult> {
  const digest = await sha1Hex(password);
  const prefix = digest.slice(0, 5);
  const suffix = digest.slice(5);
  try {
    const response = await deps.fetch(`${deps.apiUrl.replace(/\/$/, "")}/range/${prefix}`, {
      headers: { "add-padding": "true", "user-agent": "Gatehouse" },
      signal: AbortSignal.timeout(deps.timeoutMs ?? 2_000),
    });
    if (!response.ok) {
      logger.warn("breached-password check unavailable; accepting the password", { status: response.status });
      return { checked: false };
    }
    const body = await response.text();
    for (const line of body.split("\n")) {
      const [candidate, count] = line.trim().split(":");
      if (candidate === suffix) {
        const n = Number(count);
        // padding entries have a count of 0
        return { checked: true, breached: n > 0, count: n };
      }
    }
    return { checked: true, breached: false, count: 0 };
  } catch (error) {
    logger.warn("breached-password check unreachable; accepting the password", { error });
    return { checked: false };
  }
}
