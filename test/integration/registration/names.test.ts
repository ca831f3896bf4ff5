import { describe, expect, it } from "vitest";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";
import { ownerSession, roleId } from "../../support/teams";

const LINK_COPY = "Names cannot contain links.";

function registration(extra: Record<string, unknown>) {
  return {
    email: uniqueEmail("names"),
    password: GOOD_PASSWORD,
    teamName: "Plain Team",
    turnstileToken: DUMMY_TURNSTILE,
    ...extra,
  };
}

async function fieldErrors(res: Response) {
  expect(res.status).toBe(422);
  const body = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
  expect(body.code).toBe("validation_failed");
  return body.errors;
}

describe("user-chosen names never carry links", () => {
  it("registration refuses a name or team name with a URL, www. or a bare domain (422)", async () => {
    const app = testWorker();
    for (const [field, value] of [
      ["name", "http://evil.example"],
      ["name", "Ada (see www.evil)"],
      ["teamName", "evil.com/login"],
      ["teamName", "Support: bob@evil.io"],
      ["teamName", "ｅｖｉｌ．ｃｏｍ"],
    ] as const) {
      const errors = await fieldErrors(
        await app.request("POST", "/api/v1/auth/register", { body: registration({ [field]: value }) }),
      );
      expect(errors, value).toEqual([{ path: field, message: LINK_COPY }]);
    }
    const plain = await app.request("POST", "/api/v1/auth/register", {
      body: registration({ name: "J.R.R. Tolkien", teamName: "Dr. Who & Co. 2.0" }),
    });
    expect(plain.status).toBe(201);
  });

  it("team create/update and Door B refuse names with links", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const create = await owner.call("POST", "/api/v1/teams", { name: "https://phish.example/login" });
    expect(await fieldErrors(create)).toEqual([{ path: "name", message: LINK_COPY }]);
    const update = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}`, { name: "acme.support/help" });
    expect(await fieldErrors(update)).toEqual([{ path: "name", message: LINK_COPY }]);

    const email = uniqueEmail("doorb");
    await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email,
      roleId: await roleId(owner.teamId, "Developer"),
    });
    const [mail] = await waitForMail(app, email, { template: "invitation" });
    const door = await app.request("POST", "/api/v1/auth/register/invite", {
      body: {
        inviteToken: tokenFromLink(mail?.links[0] ?? ""),
        password: GOOD_PASSWORD,
        name: "www.evil.io",
      },
    });
    expect(await fieldErrors(door)).toEqual([{ path: "name", message: LINK_COPY }]);
  });

  it("mails quote and HTML-escape names: a display name with <b> is shown escaped", async () => {
    const app = testWorker();
    const body = registration({ name: "<b>Ada</b>" });
    expect((await app.request("POST", "/api/v1/auth/register", { body })).status).toBe(201);
    const [mail] = await waitForMail(app, body.email, { template: "verify_email" });
    expect(mail?.html).not.toContain("<b>Ada</b>");
    expect(mail?.html).toContain("Hi “&lt;b&gt;Ada&lt;/b&gt;”,");
    expect(mail?.text).toMatch(/^Hi “<b>Ada<\/b>”,\n/);
  });

  it("an invitation mail quotes and escapes the team and inviter names", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const rename = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}`, { name: "<i>Acme</i> & Sons" });
    expect(rename.status).toBe(200);
    const email = uniqueEmail("quoted");
    await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email,
      roleId: await roleId(owner.teamId, "Developer"),
    });
    const [mail] = await waitForMail(app, email, { template: "invitation" });
    expect(mail?.subject).toBe("“Lin” invited you to join “<i>Acme</i> & Sons” on Gatehouse");
    expect(mail?.text).toContain("“Lin” invited you to join the team “<i>Acme</i> & Sons”");
    expect(mail?.html).toContain("the team “&lt;i&gt;Acme&lt;/i&gt; &amp; Sons”");
    expect(mail?.html).not.toContain("<i>Acme");
  });
});
