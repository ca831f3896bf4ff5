import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { roles, teams } from "./teams";
import { users } from "./users";

/*
 * The tables of team collaboration beyond membership itself: invitations, ownership transfers and
 * team API keys. The other table groups have a file each in this folder; drizzle-kit reads the folder.
 */

/**
 * Team invitations (Door B). Only the SHA-256 of the mailed token is stored; an invitation is pending until it
 * is accepted, revoked, replaced by a new invitation of the same address, or expires (7 days).
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    /** Normalised like users.email. */
    email: text("email").notNull(),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    uniqueIndex("invitations_token_unique").on(t.tokenHash),
    index("invitations_team_idx").on(t.teamId, t.email),
  ],
);

/**
 * Ownership transfers: the Owner proposes a member; the addressee accepts or declines with the mailed token
 * (only its hash is stored) within 7 days, or the Owner cancels. `status` leaves `pending` exactly once.
 */
export const ownershipTransfers = sqliteTable(
  "ownership_transfers",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    fromUserId: text("from_user_id").notNull(),
    toUserId: text("to_user_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    status: text("status", { enum: ["pending", "accepted", "declined", "cancelled"] })
      .notNull()
      .default("pending"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [
    uniqueIndex("ownership_transfers_token_unique").on(t.tokenHash),
    index("ownership_transfers_team_idx").on(t.teamId, t.status),
  ],
);

/**
 * Team API keys (`gh_…`): only the SHA-256 of the key is stored, with a short display prefix. A key grants its
 * own permissions (a subset of its creator's at creation) while its creator is still a member of the team.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    /** JSON array of permission strings (wildcards allowed). */
    permissions: text("permissions").notNull(),
    expiresAt: integer("expires_at"),
    /** Written at most once a minute. */
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    /** The key that replaced this one at rotation. */
    replacedBy: text("replaced_by"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash), index("api_keys_team_idx").on(t.teamId)],
);

/** Requests per API key and UTC day (`YYYY-MM-DD`), counted with one atomic upsert per request. */
export const apiKeyUsage = sqliteTable(
  "api_key_usage",
  {
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    day: text("day").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.day] })],
);
