/**
 * The read paths (docs/read-replicas.md): the one list of routes whose D1 session may start on a read replica
 * (`first-unconstrained`, or the client's bookmark). Every other route starts its session on the primary
 * (`first-primary`): whatever decides a credential (refresh, session-exchange, step-up, MFA, approvals,
 * lockout counters), whatever a link from a mail opens (a token another client's request just wrote), whatever
 * a queue consumer writes and a page polls. A route missing here is only slower, never wrong: the list errs
 * towards the primary.
 *
 * A read path's answer may lag the primary by the replication delay for writes made by OTHER clients; the
 * client's own writes are always visible (its bookmark). The one read path that decides something, the login's
 * password step, confirms a success on the primary before it grants anything (features/login/password-step.ts).
 */
const READ_PATHS: readonly (readonly [method: "GET" | "POST", pattern: string])[] = [
  // The login's user lookup (and risk baseline): most logins that fail never need the primary.
  ["POST", "/api/v1/auth/login"],
  // The caller's own account and lists.
  ["GET", "/api/v1/auth/me"],
  ["GET", "/api/v1/auth/sessions"],
  ["GET", "/api/v1/auth/login-activity"],
  ["GET", "/api/v1/auth/trusted-devices"],
  // Teams and what they hold.
  ["GET", "/api/v1/teams"],
  ["GET", "/api/v1/teams/:teamId"],
  ["GET", "/api/v1/teams/:teamId/members"],
  ["GET", "/api/v1/teams/:teamId/roles"],
  ["GET", "/api/v1/teams/:teamId/invitations"],
  ["GET", "/api/v1/teams/:teamId/api-keys"],
  ["GET", "/api/v1/teams/:teamId/plan"],
  ["GET", "/api/v1/teams/:teamId/limits"],
  ["GET", "/api/v1/teams/:teamId/usage"],
  ["GET", "/api/v1/permissions"],
  // The admin search and the platform's lists.
  ["GET", "/api/v1/admin/users"],
  ["GET", "/api/v1/admin/users/:id"],
  ["GET", "/api/v1/admin/audit-logs"],
  ["GET", "/api/v1/admin/audit-logs/actions"],
  ["GET", "/api/v1/admin/audit-logs/export"],
  ["GET", "/api/v1/admin/analytics"],
  ["GET", "/api/v1/admin/teams/:teamId/budgets"],
  ["GET", "/api/v1/admin/email/suppressions"],
  // The signed-in pages' GETs (a page after its own POST reads it through the bookmark cookie).
  ["GET", "/account"],
  ["GET", "/account/security"],
  ["GET", "/teams"],
  ["GET", "/teams/:teamId"],
  ["GET", "/teams/:teamId/roles"],
  ["GET", "/teams/:teamId/invitations"],
  ["GET", "/teams/:teamId/api-keys"],
  ["GET", "/teams/:teamId/billing"],
  ["GET", "/teams/:teamId/virtuozzo"],
  ["GET", "/teams/:teamId/ownership"],
  ["GET", "/admin"],
  ["GET", "/admin/users"],
  ["GET", "/admin/users/:id"],
  ["GET", "/admin/audit"],
  ["GET", "/admin/analytics"],
  ["GET", "/admin/teams/:teamId/budgets"],
];

/** Exact paths, and the parameterised ones as one regular expression per method. */
const exact = new Set<string>();
const patterns: Record<string, RegExp[]> = { GET: [], POST: [] };
for (const [method, pattern] of READ_PATHS) {
  if (!pattern.includes(":")) exact.add(`${method} ${pattern}`);
  else patterns[method]?.push(new RegExp(`^${pattern.replace(/:[a-zA-Z]+/g, "[^/]+")}$`));
}

/** True when `method path` is a read path (a HEAD is its GET). Trailing slashes are not folded: the routes have none. */
export function isReadPath(method: string, path: string): boolean {
  const m = method === "HEAD" ? "GET" : method;
  if (exact.has(`${m} ${path}`)) return true;
  return patterns[m]?.some((re) => re.test(path)) ?? false;
}
