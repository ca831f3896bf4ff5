import { OpenAPIHono, z } from "@hono/zod-openapi";
import { AuthError, type FieldError } from "../platform/errors";
import type { AppEnv } from "./app-env";

/** Zod issues → the `errors` of a 422 `validation_failed` problem. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: base ? `${base}.${key}` : key, message: "This field is not allowed." });
      }
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}

/** An OpenAPIHono whose validation failures become problem+json 422s. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw AuthError.validation(fieldErrors(result.error.issues));
    },
  });
}

const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: "validation_failed" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), reason: z.string().optional() }))
      .optional(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

/** A problem+json response entry for createRoute. */
export function problem(description: string) {
  return { description, content: { "application/problem+json": { schema: ProblemSchema } } };
}

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
