import { z } from "@hono/zod-openapi";
import { containsLink } from "../email/link-like";
import { problem } from "./router";

/** Response and field schemas shared by several route modules (one definition, one OpenAPI component). */
export const DeviceIdField = z
  .string()
  .max(64)
  .optional()
  .openapi({ description: "Non-browser clients: the deviceId from the login answer" });

export const UserSummary = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  emailVerified: z.boolean(),
});
export const TeamSummary = z.object({ id: z.string(), slug: z.string(), name: z.string() });
export const RoleSummary = z.object({ id: z.string(), name: z.string() });

/**
 * A name a person chooses and others read — display names, team names, role names: trimmed, not empty, and
 * free of links (a URL, `www.`, a bare domain like `evil.com/login`), which mail clients would render as links
 * in Gatehouse's mails (see email/link-like.ts).
 */
export function humanName(options: { max: number; empty?: string }) {
  return z
    .string()
    .trim()
    .min(1, options.empty === undefined ? undefined : { message: options.empty })
    .max(options.max)
    .refine((value) => !containsLink(value), { message: "Names cannot contain links." });
}

/** A display name (users' `name`). */
export const HumanName = humanName({ max: 100 });

export const TeamParams = z.object({ teamId: z.string().min(1).max(64) });

/** `?cursor=&limit=` of every list (default 50, max 200). */
export const ListQuery = z.object({
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Responses every team-scoped route can give besides its own. */
export const TEAM_PROBLEMS = {
  401: problem("unauthorized"),
  403: problem("forbidden (missing permission, or the token is bound to another team) or csrf_failed"),
  404: problem("not_found"),
  422: problem("validation_failed"),
} as const;

/** A JSON request body for createRoute: required unless `{ required: false }` (e.g. refresh: browsers send none). */
export function jsonBody<T extends z.ZodType, R extends boolean = true>(
  schema: T,
  options?: { required: R },
) {
  return {
    body: {
      content: { "application/json": { schema } },
      required: (options?.required ?? true) as R extends false ? false : true,
    },
  };
}
