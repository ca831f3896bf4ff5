import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { StepAnswer } from "../features/login/step-machine";
import type { RequestMeta } from "../platform/audit";
import { type ServiceDeps, serviceDeps } from "../platform/context";
import type { Deps } from "../platform/deps";
import { AuthError, type FieldError } from "../platform/errors";
import type { AppEnv } from "./app-env";
import { type ClientInfo, clientInfo } from "./client-info";
import { presentedDevice } from "./device";

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

export const ProblemSchema = z
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

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return { ip: c.var.clientIp ?? null, userAgent: c.req.header("user-agent") ?? null };
}

/** The services' dependencies for this request. */
export function services(c: Context<AppEnv>, deps: Deps): ServiceDeps {
  return serviceDeps(deps, c.env, c.var.config);
}

/** Where the request comes from (IP, location, device label), for audit and login activity. */
export function requestClient(c: Context<AppEnv>): ClientInfo {
  return clientInfo(c.req.raw, c.var.clientIp, c.var.config);
}

/**
 * A login step endpoint: finds the caller's device, runs the step's service, and answers the next step with the
 * device id (non-browser clients send it back) — never cached.
 */
export async function loginStepAnswer<I extends { deviceId?: string }>(
  c: Context<AppEnv>,
  deps: Deps,
  input: I,
  step: (s: ServiceDeps, client: ClientInfo, deviceHash: string | null, input: I) => Promise<StepAnswer>,
): Promise<StepAnswer & { deviceId: string }> {
  const device = await presentedDevice(c, input.deviceId);
  const answer = await step(services(c, deps), requestClient(c), device?.hash ?? null, input);
  c.header("Cache-Control", "no-store");
  return { ...answer, deviceId: device?.id ?? "" };
}
