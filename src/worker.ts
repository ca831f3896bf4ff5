import type { Env } from "./env";
export function createWorker() {
  return {
    async fetch(_req: Request, _env: Env) {
      return new Response("ok");
    },
  } satisfies ExportedHandler<Env>;
}
