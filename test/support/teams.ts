import { env } from "cloudflare:test";
import {
  GOOD_PASSWORD,
  signIn,
  type testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "./helpers";

type App = ReturnType<typeof testWorker>;

/** Requests as a principal (access token or API key). */
export function as(app: App, token: string) {
  return (method: string, path: string, body?: unknown) =>
    app.request(method, path, {
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body }),
    });
}

/** A verified Door A owner, signed in to their team. */
export async function ownerSession(app: App) {
  const owner = await verifiedOwner(app);
  const session = await signIn(app, owner.email, owner.password, owner.teamId);
  return { ...owner, ...session, call: as(app, session.accessToken) };
}

export async function roleId(teamId: string, name: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM roles WHERE team_id = ? AND name = ?")
    .bind(teamId, name)
    .first<{ id: string }>();
  if (!row) throw new Error(`no role ${name}`);
  return row.id;
}

/** Invites a new address with a role, registers it through Door B, and signs it in to the team. */
export async function memberSession(app: App, ownerToken: string, teamId: string, role: string) {
  const email = uniqueEmail(role.toLowerCase());
  const invite = await as(app, ownerToken)("POST", `/api/v1/teams/${teamId}/invitations`, {
    email,
    roleId: await roleId(teamId, role),
  });
  if (invite.status !== 201) throw new Error(`invite answered ${invite.status}: ${await invite.text()}`);
  const [mail] = await waitForMail(app, email, { template: "invitation" });
  const res = await app.request("POST", "/api/v1/auth/register/invite", {
    body: { inviteToken: tokenFromLink(mail?.links[0] ?? ""), password: GOOD_PASSWORD, name: role },
  });
  if (res.status !== 201) throw new Error(`register/invite answered ${res.status}: ${await res.text()}`);
  const { userId } = (await res.json()) as { userId: string };
  const session = await signIn(app, email, GOOD_PASSWORD, teamId);
  return { email, userId, ...session, call: as(app, session.accessToken) };
}

export const FORBIDDEN_COPY = "You don't have permission to perform this action.";
