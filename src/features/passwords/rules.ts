import { verifyPassword } from "../../crypto/password";
import { checkPasswordPolicy, PASSWORD_MESSAGES, type PasswordRejection } from "../../crypto/password-policy";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { checkBreachedPassword } from "./breached";

/**
 * Every new password (registration, reset, change, forced change) passes the same rules: the local policy,
 * then the breach check (which fails open). Returns the normalised password to hash.
 */
export async function breachedOrPolicyRejection(
  ctx: RequestContext,
  input: { password: string; email: string; path?: string },
): Promise<string> {
  const { password, email, path = "password" } = input;
  const policy = checkPasswordPolicy(password, { email });
  if (!policy.ok) throw passwordRejected(policy.reason, path);
  if (ctx.config.HIBP_ENABLED) {
    const breach = await checkBreachedPassword(ctx, policy.value);
    if (breach.checked && breach.breached) throw passwordRejected("breached", path);
  }
  return policy.value;
}

/** A new password must differ from the current one (compared against the stored hash). */
export function rejectUnchangedPassword(password: string, currentHash: string, path = "newPassword"): void {
  if (verifyPassword(password, currentHash)) {
    const message = "Choose a password different from the current one.";
    throw AuthError.validation([{ path, message, reason: "unchanged" }], message);
  }
}

/** A 422 naming the password field, with the policy's copy for the reason. */
export function passwordRejected(reason: PasswordRejection, path = "password"): AuthError {
  return AuthError.validation(
    [{ path, message: PASSWORD_MESSAGES[reason], reason }],
    PASSWORD_MESSAGES[reason],
  );
}
