import { describe, expect, it } from "vitest";
import { isImportHeader, teamKeysOf, validateRows } from "../../src/features/user-import/rows";

const teams = [
  { id: "t1", slug: "acme" },
  { id: "t2", slug: "globex" },
];
const roles = [
  { id: "r-owner", teamId: "t1", name: "Owner", builtIn: "owner" },
  { id: "r-dev", teamId: "t1", name: "Developer", builtIn: "developer" },
  { id: "r-ops", teamId: "t1", name: "Ops", builtIn: null },
  { id: "r-ops2", teamId: "t1", name: "OPS", builtIn: null },
  { id: "r-dev2", teamId: "t2", name: "Developer", builtIn: "developer" },
];

describe("import header", () => {
  it("is exactly email,name,team,role, ignoring case and spaces", () => {
    expect(isImportHeader(["email", "name", "team", "role"])).toBe(true);
    expect(isImportHeader([" Email", "NAME ", "Team", "role"])).toBe(true);
    expect(isImportHeader(["email", "team", "name", "role"])).toBe(false);
    expect(isImportHeader(["email", "name", "team"])).toBe(false);
    expect(isImportHeader(undefined)).toBe(false);
  });
});

describe("validateRows", () => {
  it("resolves teams by slug or id and roles by name; normalises the address", () => {
    const { valid, errors } = validateRows(
      [
        [" Ada@Example.COM ", " Ada ", "acme", "Developer"],
        ["ada@example.com", "", "t2", "developer"],
      ],
      { teams, roles },
    );
    expect(errors).toEqual([]);
    expect(valid).toEqual([
      { row: 1, email: "ada@example.com", name: "Ada", teamId: "t1", roleId: "r-dev" },
      { row: 2, email: "ada@example.com", name: "", teamId: "t2", roleId: "r-dev2" },
    ]);
  });

  it("reports each bad row once, with its code, numbering data rows from 1", () => {
    const { valid, errors } = validateRows(
      [
        ["a@example.com", "A", "acme", "Ops"], // 1 ok (exact name wins over OPS)
        ["nope", "N", "acme", "Ops"], // 2
        ["b@example.com", "x".repeat(101), "acme", "Ops"], // 3
        ["c@example.com", "C", "initech", "Ops"], // 4
        ["d@example.com", "D", "acme", "Pilot"], // 5
        ["e@example.com", "E", "acme", "ops"], // 6: two roles fold to "ops": ambiguous
        ["f@example.com", "F", "acme", "Owner"], // 7
        ["A@example.com", "A again", "t1", "Developer"], // 8: same team and address as row 1
        ["g@example.com", "G"], // 9
      ],
      { teams, roles },
    );
    expect(valid.map((v) => v.row)).toEqual([1]);
    expect(errors.map((e) => [e.row, e.code])).toEqual([
      [2, "invalid_email"],
      [3, "invalid_name"],
      [4, "unknown_team"],
      [5, "unknown_role"],
      [6, "unknown_role"],
      [7, "owner_role"],
      [8, "duplicate_row"],
      [9, "malformed_row"],
    ]);
    expect(errors[0]?.email).toBe("nope");
    expect(errors.find((e) => e.row === 8)?.message).toBe("The same address and team as row 1.");
  });

  it("keeps at most 254 characters of a rejected address", () => {
    const { errors } = validateRows([["x".repeat(5000), "", "acme", "Ops"]], { teams, roles });
    expect(errors[0]?.email).toHaveLength(254);
  });

  it("lists each team key once", () => {
    expect(teamKeysOf([["a", "", " acme ", "r"], ["b", "", "acme", "r"], ["c", "", "", "r"], ["d"]])).toEqual(
      ["acme"],
    );
  });
});
