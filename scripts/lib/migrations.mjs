// The D1 migrations policy: expand-only. Migrations are applied before the new code takes traffic, while the
// previous version still serves and stays a rollback target, so none may break it: no dropped or renamed table
// or column, no NOT NULL column without a default (the old code's INSERTs would fail). A contraction ships in a
// later release, once nothing deployed uses the old shape, in a file marked `-- contract: <why it is safe now>`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The statements of a migration that contract the schema (empty: expand-only). */
export function contractions(sql) {
  const statements = sql
    .replace(/--[^\n]*/g, "")
    .split(/;/)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  return statements.filter(
    (s) =>
      /^DROP TABLE/i.test(s) ||
      /^ALTER TABLE \S+ (DROP|RENAME)\b/i.test(s) ||
      (/^ALTER TABLE \S+ ADD\b/i.test(s) && /\bNOT NULL\b/i.test(s) && !/\bDEFAULT\b/i.test(s)),
  );
}

/** `-- contract: <reason>`: the file's author states the contraction is safe now. */
export const isMarkedContract = (sql) => /^-- contract: \S/m.test(sql);

/** Every migration file of the directory that contracts the schema without the marker, with its statements. */
export function unmarkedContractions(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((file) => ({ file, sql: readFileSync(join(dir, file), "utf8") }))
    .filter(({ sql }) => !isMarkedContract(sql))
    .map(({ file, sql }) => ({ file, statements: contractions(sql) }))
    .filter(({ statements }) => statements.length > 0);
}
