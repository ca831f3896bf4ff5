import { ACR_PWD, type AccessClaims } from "../../src/auth/principal";

/**
 * The claims of an access token outside any team, for tests and benches that mint one directly (the service mints
 * them from a session: features/sessions/session-tokens.ts). Override what the case is about.
 */
export function accessClaims(sid: string, overrides: Partial<AccessClaims> = {}): AccessClaims {
  return {
    sid,
    team: null,
    role: null,
    permissions: [],
    platformRoles: [],
    sep: 0,
    mst: null,
    auth_time: 0,
    amr: ["pwd"],
    acr: ACR_PWD,
    ...overrides,
  };
}
