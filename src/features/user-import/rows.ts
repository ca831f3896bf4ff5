import { isValidEmail, normalizeEmail } from "../../platform/email-address";

/**
 * The up-front validation of an import file's data rows (pure: the team and role lookups are given as maps).
 * Every row is checked before anything is queued, and every problem becomes a per-row error; only the rows
 * without one are invited. `row` counts data rows from 1 (the header excluded), as in ../shared/API.md.
 */

export const IMPORT_HEADER = ["email", "name", "team", "role"] as const;

/** Codes of per-row errors (stable: clients and the import page switch on them). */
export type RowErrorCode =
  | "malformed_row"
  | "invalid_email"
  | "invalid_name"
  | "unknown_team"
  | "unknown_role"
  | "owner_role"
  | "duplicate_row"
  | "plan_limit_reached";

export interface RowError {
  row: number;
  email: string;
  code: RowErrorCode;
  message: string;
}

/** A row ready to be invited (what a chunk's `rows` JSON holds). */
export interface ValidRow {
  row: number;
  email: string;
  name: string;
  teamId: string;
  roleId: string;
}

export const MAX_NAME_LENGTH = 100;
/** Error rows keep at most this much of a rejected cell, so a hostile file cannot bloat the job. */
const MAX_ECHO = 254;

export interface TeamRef {
  id: string;
  slug: string;
}
export interface RoleRef {
  id: string;
  teamId: string;
  name: string;
  builtIn: string | null;
}

/** True when the header names exactly the columns email, name, team, role (case and spaces aside). */
export function isImportHeader(record: readonly string[] | undefined): boolean {
  return (
    record !== undefined &&
    record.length === IMPORT_HEADER.length &&
    record.every((cell, i) => cell.trim().toLowerCase() === IMPORT_HEADER[i])
  );
}

/** The team keys a file names (slug or id), each once. */
export function teamKeysOf(records: readonly (readonly string[])[]): string[] {
  const keys = new Set<string>();
  for (const r of records) {
    const key = r[2]?.trim();
    if (key) keys.add(key);
  }
  return [...keys];
}

/** Finds a role by name in a team: the exact name first, else the one name equal to it ignoring case. */
function roleNamed(teamRoles: readonly RoleRef[], name: string): RoleRef | undefined {
  const exact = teamRoles.find((r) => r.name === name);
  if (exact) return exact;
  const folded = teamRoles.filter((r) => r.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

/**
 * Validates every data record: field count, email syntax (after normalisation), name length, team by slug or
 * id, role by name in that team (never the Owner role: ownership is transferred, not granted), and duplicates
 * of (team, email) within the file (the later row is the error).
 */
export function validateRows(
  records: readonly (readonly string[])[],
  lookups: { teams: readonly TeamRef[]; roles: readonly RoleRef[] },
): { valid: ValidRow[]; errors: RowError[] } {
  const teamByKey = new Map<string, TeamRef>();
  for (const t of lookups.teams) {
    teamByKey.set(t.id, t);
    teamByKey.set(t.slug, t);
  }
  const rolesByTeam = new Map<string, RoleRef[]>();
  for (const r of lookups.roles) rolesByTeam.set(r.teamId, [...(rolesByTeam.get(r.teamId) ?? []), r]);
  const firstRowOf = new Map<string, number>();
  const valid: ValidRow[] = [];
  const errors: RowError[] = [];

  const checkRow = (record: readonly string[], row: number): ValidRow | RowError => {
    const rawEmail = (record[0] ?? "").slice(0, MAX_ECHO);
    const fail = (code: RowErrorCode, message: string, email = rawEmail): RowError => ({
      row,
      email,
      code,
      message,
    });
    if (record.length !== IMPORT_HEADER.length) {
      return fail("malformed_row", `Expected 4 fields (email, name, team, role), found ${record.length}.`);
    }
    const email = normalizeEmail(rawEmail);
    if (!isValidEmail(email)) return fail("invalid_email", "Enter a valid email address.");
    const name = (record[1] ?? "").trim();
    if (name.length > MAX_NAME_LENGTH) {
      return fail("invalid_name", `The name must not exceed ${MAX_NAME_LENGTH} characters.`, email);
    }
    const team = teamByKey.get((record[2] ?? "").trim());
    if (!team) return fail("unknown_team", "No team has this slug or id.", email);
    const role = roleNamed(rolesByTeam.get(team.id) ?? [], (record[3] ?? "").trim());
    if (!role) return fail("unknown_role", "The team has no role with this name.", email);
    if (role.builtIn === "owner") {
      return fail("owner_role", "The Owner role cannot be granted by invitation.", email);
    }
    const key = `${team.id}\u0000${email}`;
    const first = firstRowOf.get(key);
    if (first !== undefined)
      return fail("duplicate_row", `The same address and team as row ${first}.`, email);
    firstRowOf.set(key, row);
    return { row, email, name, teamId: team.id, roleId: role.id };
  };

  records.forEach((record, index) => {
    const result = checkRow(record, index + 1);
    if ("code" in result) errors.push(result);
    else valid.push(result);
  });
  return { valid, errors };
}
