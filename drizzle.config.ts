import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates the SQL migrations that wrangler and the tests both apply. */
export default defineConfig({
  dialect: "sqlite",
  schema: ["./src/db/schema.ts", "./src/db/schema-team-access.ts"],
  out: "./migrations",
});
