import type { testWorker } from "./helpers";

type App = ReturnType<typeof testWorker>;

/**
 * A browser's view of the pages: a cookie jar (the device cookie first), HTML navigations and form posts
 * (form-encoded, same origin), redirects not followed so tests see each PRG hop.
 */
export function pageBrowser(app: App) {
  const jar = new Map<string, string>([["__Host-device", app.deviceId]]);
  function remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = value === "" || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  return {
    jar,
    async get(path: string) {
      return remember(await app.request("GET", path, { headers: { accept: "text/html", cookie: cookie() } }));
    },
    async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
      return remember(
        await app.request("POST", path, {
          body: new URLSearchParams(fields).toString(),
          headers: {
            accept: "text/html",
            "content-type": "application/x-www-form-urlencoded",
            origin: "http://localhost",
            cookie: cookie(),
            ...headers,
          },
        }),
      );
    },
  };
}
