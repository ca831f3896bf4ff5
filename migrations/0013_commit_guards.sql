-- A statement in a unit of work's batch can refuse the whole batch: inserting any row here fails the CHECK, and
-- D1 rolls the batch back (platform/unit-of-work.ts `guard`). Used by the plan limits (features/plans): the count
-- is checked again inside the batch that creates the thing, after its insert, so two creates racing each other
-- cannot both land over the limit. No row is ever stored.
CREATE TABLE `commit_guards` (
	`guard` text,
	CONSTRAINT "commit_guard_failed" CHECK(0)
);
