import { createRoute, z } from "@hono/zod-openapi";
import { PERMISSIONS } from "../../auth/permissions";
import { createRouter, json } from "../../http/router";

const PermissionItem = z.object({ name: z.string(), description: z.string() }).openapi("Permission");

const list = createRoute({
  method: "get",
  path: "/api/v1/permissions",
  tags: ["Teams"],
  summary: "The permission catalogue (public: it is the same for every team)",
  responses: {
    200: json(z.object({ items: z.array(PermissionItem), nextCursor: z.null() }), "Permissions"),
  },
});

const ITEMS = Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description }));

export function permissionRoutes() {
  return createRouter().openapi(list, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ items: ITEMS, nextCursor: null }, 200);
  });
}
