import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";

/*
 * Issue 14, item 8: a key created with an API key outlived the key that made it. Keys cannot create (or
 * rotate) keys: 403 with a message that says so.
 */
describe("API keys cannot make API keys", () => {
  it("creating or rotating with an API key is 403 forbidden with a clear message; a member still can", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const made = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "automation",
      permissions: ["api_keys:manage", "api_keys:read", "team:read"],
    });
    expect(made.status).toBe(201);
    const parent = (await made.json()) as { id: string; key: string };
    const withKey = as(app, parent.key);

    const child = await withKey("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "child",
      permissions: ["team:read"],
    });
    expect(child.status).toBe(403);
    expect(child.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope"');
    expect(await child.json()).toMatchObject({
      code: "forbidden",
      detail: "API keys cannot create or rotate API keys. Sign in as a team member to do this.",
    });
    const rotated = await withKey("POST", `/api/v1/teams/${owner.teamId}/api-keys/${parent.id}/rotate`);
    expect(rotated.status).toBe(403);

    // nothing was created: the team still has exactly the one key
    const list = (await (await withKey("GET", `/api/v1/teams/${owner.teamId}/api-keys`)).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
    // the key still does what it may, and a revoke with it works (revoking never grants)
    expect((await withKey("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
    const other = (await (
      await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
        name: "other",
        permissions: ["team:read"],
      })
    ).json()) as { id: string };
    expect((await withKey("DELETE", `/api/v1/teams/${owner.teamId}/api-keys/${other.id}`)).status).toBe(204);
  });
});
