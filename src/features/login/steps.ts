/**
 * The login step machine (../shared/API.md "Login (two steps)"). After the password, a login walks these
 * steps in this order, skipping the ones that do not apply; `select_team` always comes last and leads to
 * `session-exchange`. Each step is a requirement function: adding a step (device approval, suspicious-login
 * approval, MFA) is adding an entry here plus the endpoint that completes it. The pre-auth token carries the
 * steps already done, signed; endpoints accept a step only when it is the current one, so none can be skipped.
 */
export const STEP_ORDER = [
  "password_change",
  "device_approval",
  "login_approval",
  "mfa_setup",
  "mfa",
  "select_team",
] as const;

export type StepName = (typeof STEP_ORDER)[number];
