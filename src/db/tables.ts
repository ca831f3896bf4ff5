/**
 * Every D1 table, one module (the drizzle client's schema). The tables are defined one group a file in
 * schema/ — which drizzle-kit reads to generate migrations (`npm run db:generate`) — and owned by the features
 * named in docs/storage.md. Times are epoch milliseconds.
 */
export * from "./schema/action-tokens";
export * from "./schema/analytics";
export * from "./schema/audit";
export * from "./schema/email";
export * from "./schema/guards";
export * from "./schema/login";
export * from "./schema/mfa";
export * from "./schema/sessions";
export * from "./schema/signing-keys";
export * from "./schema/team-access";
export * from "./schema/team-services";
export * from "./schema/teams";
export * from "./schema/user-import";
export * from "./schema/users";
