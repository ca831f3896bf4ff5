import { open, openJson, reseal, seal, sealJson } from "../../crypto/secretbox";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";

/** What the Owner gave: a login and password, or a personal access token (accounts with 2FA). */
export type VzCredential =
  | { kind: "password"; login: string; password: string }
  | { kind: "token"; token: string };

/* AES-256-GCM under ENCRYPTION_KEYS, bound to the team and the purpose (a sealed value cannot move rows). */
const credentialAad = (teamId: string) => `virtuozzo.credential:${teamId}`;
const sessionAad = (teamId: string) => `virtuozzo.session:${teamId}`;

export function sealCredential(
  ctx: RequestContext,
  teamId: string,
  credential: VzCredential,
): Promise<string> {
  return sealJson(credential, ctx.config.ENCRYPTION_KEYS, credentialAad(teamId), ctx.random);
}

export async function openCredential(
  ctx: RequestContext,
  teamId: string,
  sealed: string,
): Promise<VzCredential> {
  const credential = await openJson<VzCredential>(sealed, ctx.config.ENCRYPTION_KEYS, credentialAad(teamId));
  if (!credential) throw unopenable("credential");
  return credential;
}

export function sealSessionKey(ctx: RequestContext, teamId: string, key: string): Promise<string> {
  return seal(new TextEncoder().encode(key), ctx.config.ENCRYPTION_KEYS, sessionAad(teamId), ctx.random);
}

export async function openSessionKey(ctx: RequestContext, teamId: string, sealed: string): Promise<string> {
  const bytes = await open(sealed, ctx.config.ENCRYPTION_KEYS, sessionAad(teamId));
  if (!bytes) throw unopenable("session key");
  return new TextDecoder().decode(bytes);
}

/** A sealed value no configured key opens (a key was removed too early): an operator problem, never the caller's. */
function unopenable(what: string) {
  return new AuthError("internal_error", { internal: { reason: `virtuozzo ${what} does not open` } });
}

/**
 * A connection's sealed values re-encrypted under the current key (each unchanged when it already uses it), or
 * null when one of them opens with no configured key.
 */
export async function resealConnection(
  ctx: RequestContext,
  teamId: string,
  sealed: { credential: string; sessionKey: string | null },
): Promise<{ credential: string; sessionKey: string | null } | null> {
  const keys = ctx.config.ENCRYPTION_KEYS;
  const credential = await reseal(sealed.credential, keys, credentialAad(teamId), ctx.random);
  const sessionKey =
    sealed.sessionKey === null ? null : await reseal(sealed.sessionKey, keys, sessionAad(teamId), ctx.random);
  if (credential === null || (sealed.sessionKey !== null && sessionKey === null)) return null;
  return { credential, sessionKey };
}
