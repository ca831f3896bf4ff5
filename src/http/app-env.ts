import type { Principal } from "../auth/principal";
import type { Config, Env } from "../platform/config";
import type { RequestContext } from "../platform/context";

/** Hono environment of the app: bindings + the variables middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    /** The request context services take (http/middleware/context.ts). */
    ctx: RequestContext;
    auth: Principal;
    requestId: string;
    clientIp: string;
  };
};
