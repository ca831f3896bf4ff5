// The D1 migrations are applied before the new code takes traffic, while the previous version still serves (and
// stays a rollback target): each must be backward compatible — expand, never contract (docs/deployment.md).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { contractions, unmarkedContractions } from "../../scripts/lib/migrations.mjs";

describe("D1 migrations are expand-only", () => {
  it("recognises what breaks the running version", () => {
    const expand =
      "ALTER TABLE `a` ADD `b` text;--> statement-breakpoint\nCREATE TABLE `c` (`id` text NOT NULL);";
    assert.deepEqual(contractions(expand), []);
    assert.deepEqual(contractions("ALTER TABLE `a` ADD `n` integer DEFAULT 0 NOT NULL;"), []);
    assert.deepEqual(contractions("CREATE INDEX `i` ON `a` (`b`);\nDROP INDEX `j`;"), []);
    assert.equal(contractions("DROP TABLE `a`;").length, 1);
    assert.equal(contractions("ALTER TABLE `a` DROP COLUMN `b`;").length, 1);
    assert.equal(contractions("ALTER TABLE `a` RENAME TO `b`;").length, 1);
    assert.equal(contractions("ALTER TABLE `a` RENAME COLUMN `b` TO `c`;").length, 1);
    assert.equal(contractions("ALTER TABLE `a` ADD `b` text NOT NULL;").length, 1);
  });

  it("a contraction passes only in a file marked `-- contract:`", () => {
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    writeFileSync(join(dir, "0001_a.sql"), "CREATE TABLE `a` (`id` text);");
    writeFileSync(join(dir, "0002_b.sql"), "ALTER TABLE `a` DROP COLUMN `old`;");
    writeFileSync(
      join(dir, "0003_c.sql"),
      "-- contract: release 42 stopped reading `legacy`\nDROP TABLE `legacy`;",
    );
    assert.deepEqual(unmarkedContractions(dir), [
      { file: "0002_b.sql", statements: ["ALTER TABLE `a` DROP COLUMN `old`"] },
    ]);
  });

  it("every migration of the repository is expand-only (or marked)", () => {
    assert.deepEqual(unmarkedContractions(new URL("../../migrations/", import.meta.url).pathname), []);
  });
});
