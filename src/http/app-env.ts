import type { Principal } from "../auth/principal";
import type { BindingMismatchEffect } from "../auth/session-binding";
import type { Config, Env } from "../platform/config";
import type { RequestContext } from "../platform/context";
import type { TraceParent } from "./traceparent";

/** Hono environment of the app: bindings + the variables middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    /** The request context services take (http/middleware/context.ts). */
    ctx: RequestContext;
    auth: Principal;
    requestId: string;
    /** W3C trace context of the request (http/middleware/trace-context.ts). */
    trace: TraceParent;
    clientIp: string;
    /** Revokes, mails and audits a session whose access token broke its binding (app.tsx; auth/session-binding.ts). */
    onBindingMismatch: BindingMismatchEffect | undefined;
  };
};
