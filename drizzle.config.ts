import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates the SQL migrations that wrangler and the tests both apply. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema",
  out: "./migrations",
});
