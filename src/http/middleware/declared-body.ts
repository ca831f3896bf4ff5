import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { AuthError } from "../../platform/errors";
import type { AppEnv } from "../app-env";

/** What this middleware reads of the app's OpenAPI registry (`app.openAPIRegistry.definitions`). */
interface RegistryDefinition {
  type: string;
  route?: { method: string; path: string; request?: { body?: unknown } };
}

/** `post /api/v1/teams/{teamId}` → `POST /api/v1/teams/:teamId`, as Hono names the matched route. */
function routeKey(method: string, openApiPath: string): string {
  return `${method.toUpperCase()} ${openApiPath.replace(/\{([^}]+)\}/g, ":$1")}`;
}

/**
 * The OpenAPI document declares every request body the Worker accepts: a request that carries a body to an
 * operation declaring none is refused (422 `validation_failed`), like an unknown field, instead of the body
 * being ignored. A validating proxy in front of Gatehouse and the Worker then agree on every call. The routes
 * are read from the registry on the first request (every router is mounted by then); a path no operation
 * matches goes on to its 404.
 */
export function refuseUndeclaredBodies(definitions: () => readonly RegistryDefinition[]) {
  let operations: Map<string, boolean> | undefined;
  const declaresBody = (key: string) => {
    operations ??= new Map(
      definitions().flatMap((d) =>
        d.type === "route" && d.route
          ? [[routeKey(d.route.method, d.route.path), Boolean(d.route.request?.body)]]
          : [],
      ),
    );
    return operations.get(key);
  };
  return createMiddleware<AppEnv>(async function declaredBody(c, next) {
    const length = c.req.header("content-length");
    const hasBody = length !== undefined ? length !== "0" : c.req.raw.body !== null;
    if (hasBody) {
      const route = matchedRoutes(c).findLast((r) => r.method !== "ALL");
      if (route && declaresBody(routeKey(route.method, route.path)) === false) {
        throw AuthError.validation([{ path: "", message: "This endpoint takes no request body." }]);
      }
    }
    await next();
  });
}
