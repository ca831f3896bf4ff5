import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { invitations } from "./team-access";

/*
 * Bulk import of users as invitations (features/user-import, docs/user-import.md): a job per uploaded file,
 * its rows in chunks (one queue message each), and the key that makes each row's invitation happen once.
 */

/**
 * An import job. `file_hash` (SHA-256 of the uploaded bytes, hex) is unique: uploading the same file again
 * answers this job instead of creating a second one. Counters are summed from the chunks when a chunk is done.
 */
export const userImportJobs = sqliteTable(
  "user_import_jobs",
  {
    id: text("id").primaryKey(),
    createdBy: text("created_by"),
    fileHash: text("file_hash").notNull(),
    status: text("status", { enum: ["queued", "running", "done", "failed"] }).notNull(),
    total: integer("total").notNull(),
    processed: integer("processed").notNull().default(0),
    created: integer("created").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    /** How many chunks the rows were split into (the job is done when every chunk is). */
    chunks: integer("chunks").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("user_import_jobs_file_hash_unique").on(t.fileHash)],
);

/**
 * A chunk of a job's data rows (rows `first_row`…`first_row + size - 1`, counted from 1): `rows` is the JSON
 * array of the chunk's valid rows still to invite (`{ row, email, name, teamId, roleId }`), `errors` the JSON
 * array of its per-row errors (`{ row, email, code, message }`: the up-front validation's, then the
 * consumer's). `status` leaves `pending` exactly once, with the chunk's counts.
 */
export const userImportChunks = sqliteTable(
  "user_import_chunks",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => userImportJobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    firstRow: integer("first_row").notNull(),
    size: integer("size").notNull(),
    rows: text("rows").notNull(),
    errors: text("errors").notNull(),
    status: text("status", { enum: ["pending", "done"] }).notNull(),
    created: integer("created").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    doneAt: integer("done_at"),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

/**
 * The invitation a job created for (team, email): its primary key is the idempotency key of a row. The insert
 * goes in the same D1 batch as the invitation, so a redelivered queue message cannot invite twice.
 */
export const userImportInvitations = sqliteTable(
  "user_import_invitations",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => userImportJobs.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull(),
    email: text("email").notNull(),
    invitationId: text("invitation_id")
      .notNull()
      .references(() => invitations.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.teamId, t.email] }),
    index("user_import_invitations_invitation_idx").on(t.invitationId),
  ],
);
