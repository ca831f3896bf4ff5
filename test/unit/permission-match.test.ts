import { describe, expect, it } from "vitest";
import {
  canGrant,
  covers,
  grantAllows,
  hasPermission,
  isValidGrant,
  MAX_INHERITANCE_DEPTH,
  normalizeGrants,
  type RoleNode,
  resolveCandidate,
  resolveRole,
} from "../../src/auth/permission-match";
import { DEFAULT_ROLES, PERMISSIONS } from "../../src/auth/permissions";

const ALL = Object.keys(PERMISSIONS);

describe("isValidGrant", () => {
  it.each(["*", "members:*", "team:read", "api_keys:manage", "virtuozzo:*"])("accepts %s", (g) => {
    expect(isValidGrant(g)).toBe(true);
  });
  it.each([
    "",
    "**",
    "members",
    "members:",
    "members:**",
    "*:read",
    "nope:read",
    "nope:*",
    "members:fly",
    "Members:read",
    " members:read",
    "members:read ",
    "team:*:*",
    "constructor",
    "toString:*",
  ])("refuses %j", (g) => {
    expect(isValidGrant(g)).toBe(false);
  });
});

describe("grantAllows / hasPermission", () => {
  it("`*` allows every catalogue permission", () => {
    for (const p of ALL) expect(grantAllows("*", p)).toBe(true);
  });
  it("a resource wildcard allows exactly that resource's actions", () => {
    for (const p of ALL) expect(grantAllows("members:*", p)).toBe(p.startsWith("members:"));
  });
  it("an exact grant allows only itself", () => {
    for (const p of ALL) expect(grantAllows("members:invite", p)).toBe(p === "members:invite");
  });
  it("a prefix is not a wildcard (`team:*` does not allow `teams:read` or `team_x:read`)", () => {
    expect(grantAllows("team:*", "teams:read")).toBe(false);
    expect(grantAllows("team:*", "team_x:read")).toBe(false);
    expect(grantAllows("members:inv", "members:invite")).toBe(false);
  });
  it("the default roles grant what API.md says", () => {
    const dev = DEFAULT_ROLES.developer.permissions;
    expect(hasPermission(dev, "members:invite")).toBe(false);
    expect(hasPermission(dev, "resources:write")).toBe(true);
    expect(hasPermission(dev, "members:read")).toBe(true);
    const manager = DEFAULT_ROLES.manager.permissions;
    expect(hasPermission(manager, "members:invite")).toBe(true);
    expect(hasPermission(manager, "team:delete")).toBe(false);
    expect(hasPermission(manager, "billing:read")).toBe(false);
    expect(hasPermission(manager, "virtuozzo:manage")).toBe(false);
    for (const p of ALL) expect(hasPermission(DEFAULT_ROLES.owner.permissions, p)).toBe(true);
  });
  it("no grants allow nothing", () => {
    for (const p of ALL) expect(hasPermission([], p)).toBe(false);
  });
});

describe("covers / canGrant (escalation)", () => {
  it("a concrete permission is covered by any grant allowing it", () => {
    expect(covers(["members:*"], "members:invite")).toBe(true);
    expect(covers(["*"], "billing:manage")).toBe(true);
    expect(covers(["members:read"], "members:invite")).toBe(false);
  });
  it("a wildcard is covered only by an equal or wider wildcard", () => {
    expect(covers(["*"], "*")).toBe(true);
    expect(covers(["members:*"], "*")).toBe(false);
    expect(covers(["*"], "members:*")).toBe(true);
    expect(covers(["members:*"], "members:*")).toBe(true);
    // holding every action listed today is not the wildcard: it would also grant tomorrow's actions
    const everyMemberAction = ALL.filter((p) => p.startsWith("members:"));
    expect(covers(everyMemberAction, "members:*")).toBe(false);
    expect(covers(ALL, "*")).toBe(false);
  });
  it("refuses escalation and names what is missing", () => {
    expect(canGrant(DEFAULT_ROLES.manager.permissions, ["team:delete", "members:invite"])).toEqual({
      ok: false,
      missing: ["team:delete"],
    });
    expect(canGrant(DEFAULT_ROLES.manager.permissions, ["*"])).toEqual({ ok: false, missing: ["*"] });
    expect(canGrant(DEFAULT_ROLES.developer.permissions, ["resources:*", "team:read"])).toEqual({ ok: true });
    expect(canGrant(DEFAULT_ROLES.developer.permissions, ["members:*"])).toEqual({
      ok: false,
      missing: ["members:*"],
    });
    expect(canGrant(["*"], ALL)).toEqual({ ok: true });
    expect(canGrant([], [])).toEqual({ ok: true });
  });
});

describe("normalizeGrants", () => {
  it("sorts, deduplicates and drops grants a listed wildcard covers", () => {
    expect(normalizeGrants(["team:read", "members:read", "members:*", "team:read"])).toEqual([
      "members:*",
      "team:read",
    ]);
    expect(normalizeGrants(["team:read", "*"])).toEqual(["*"]);
    expect(normalizeGrants([])).toEqual([]);
  });
});

describe("role inheritance", () => {
  const role = (id: string, permissions: string[], inheritsRoleId: string | null = null): RoleNode => ({
    id,
    permissions,
    inheritsRoleId,
  });
  const map = (...roles: RoleNode[]) => new Map(roles.map((r) => [r.id, r]));

  it("unions a role's permissions with its ancestors'", () => {
    const roles = map(
      role("base", ["team:read"]),
      role("mid", ["members:read"], "base"),
      role("top", ["members:*", "audit:read"], "mid"),
    );
    expect(resolveRole(roles, "base")).toEqual({ ok: true, permissions: ["team:read"] });
    expect(resolveRole(roles, "top")).toEqual({
      ok: true,
      permissions: ["audit:read", "members:*", "team:read"],
    });
  });
  it("rejects cycles, including a role inheriting itself", () => {
    expect(resolveRole(map(role("a", [], "a")), "a")).toEqual({ ok: false, reason: "cycle" });
    expect(resolveRole(map(role("a", [], "b"), role("b", [], "c"), role("c", [], "a")), "a")).toEqual({
      ok: false,
      reason: "cycle",
    });
  });
  it("rejects dangling references", () => {
    expect(resolveRole(map(role("a", [], "gone")), "a")).toEqual({ ok: false, reason: "unknown_role" });
    expect(resolveRole(map(), "a")).toEqual({ ok: false, reason: "unknown_role" });
  });
  it("bounds the depth", () => {
    const chain = (n: number) =>
      map(...Array.from({ length: n }, (_, i) => role(`r${i}`, [], i + 1 < n ? `r${i + 1}` : null)));
    expect(resolveRole(chain(MAX_INHERITANCE_DEPTH + 1), "r0").ok).toBe(true);
    expect(resolveRole(chain(MAX_INHERITANCE_DEPTH + 2), "r0")).toEqual({ ok: false, reason: "too_deep" });
  });
  it("resolves a candidate edit against the stored roles (an edit that closes a loop is a cycle)", () => {
    const stored = [role("a", ["team:read"], "b"), role("b", ["members:read"])];
    expect(resolveCandidate(stored, role("b", ["members:read"], "a"))).toEqual({
      ok: false,
      reason: "cycle",
    });
    expect(resolveCandidate(stored, role("new", ["audit:read"], "a"))).toEqual({
      ok: true,
      permissions: ["audit:read", "members:read", "team:read"],
    });
  });
});
