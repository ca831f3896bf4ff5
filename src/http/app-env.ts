import type { Principal } from "../auth/principal";
import type { Config, Env } from "../platform/config";

/** Hono environment of the app: bindings + the variables middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    auth: Principal;
    requestId: string;
    clientIp: string;
  };
};
