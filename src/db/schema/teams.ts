import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./users";

// Teams, their roles and memberships.
export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("teams_slug_unique").on(t.slug)],
);

// Team roles. `builtIn` marks the default roles seeded per team (owner, manager, developer).
export const roles = sqliteTable(
  "roles",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** JSON array of permission strings (wildcards allowed). */
    permissions: text("permissions").notNull(),
    inheritsRoleId: text("inherits_role_id"),
    builtIn: text("built_in", { enum: ["owner", "manager", "developer"] }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("roles_team_name_unique").on(t.teamId, t.name)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id),
    joinedAt: integer("joined_at").notNull(),
    /**
     * When this membership's grant last changed (joined, role changed, a permission of its role withdrawn; epoch
     * ms). Access tokens carry it; an edge record makes every token with an older stamp invalid at once.
     */
    accessStamp: integer("access_stamp").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);
