import type { Context } from "hono";
import type { D1Start, RequestD1 } from "../../db/client";
import type { AppEnv } from "../app-env";
import { COOKIES, readCookie, setBookmarkCookie } from "../cookies";
import { isReadPath } from "../read-path";

/**
 * The D1 bookmark protocol (docs/read-replicas.md): a client that wrote something gets the database's bookmark
 * back (`x-d1-bookmark` response header; for a browser also the `__Host-d1-bookmark` cookie) and sends it with
 * its next requests, so a read path it calls is served by a replica at least as fresh as its own writes.
 */
export const BOOKMARK_HEADER = "x-d1-bookmark";

/** A bookmark lives as long as replication lag could matter (a few seconds at most), with a wide margin. */
export const BOOKMARK_COOKIE_MAX_AGE = 600;

const BOOKMARK_SHAPE = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,199}$/;
const CONSTRAINTS: ReadonlySet<string> = new Set(["first-primary", "first-unconstrained"]);

/**
 * A client's bookmark when it has the shape of one (≤ 200 characters of a safe alphabet, not a constraint
 * name), else null: a malformed bookmark is ignored, never an error. D1 bookmarks (`00000000-00000011-…`, hex
 * groups) sort oldest first; an old one only asks for less than the replica has, so "expired" needs no check.
 */
export function parseBookmark(value: string | undefined | null): string | null {
  if (!value || !BOOKMARK_SHAPE.test(value) || CONSTRAINTS.has(value)) return null;
  return value;
}

/**
 * Where this request's D1 session starts, decided at its first query: a read path from the client's bookmark
 * (header first, then cookie) or anywhere (`first-unconstrained`); every other route on the primary, whatever
 * bookmark it brings (the primary is at least as fresh as any bookmark).
 */
export function d1StartOf(c: Context<AppEnv>): D1Start {
  if (!isReadPath(c.req.method, c.req.path)) return "first-primary";
  return (
    parseBookmark(c.req.header(BOOKMARK_HEADER)) ??
    parseBookmark(readCookie(c, "d1Bookmark")) ??
    "first-unconstrained"
  );
}

/**
 * After the response: the session's bookmark, when the request used D1, as the `x-d1-bookmark` header and, for a
 * client that speaks cookies (it sent some, or this response sets some), as the cookie when it changed.
 */
export function handBookmark(c: Context<AppEnv>, d1: RequestD1): void {
  const bookmark = d1.bookmark();
  // A WebSocket answer cannot be copied to take a header (none is served to clients today; kept safe anyway).
  if (bookmark === null || c.res.status === 101) return;
  c.header(BOOKMARK_HEADER, bookmark);
  const cookies = c.req.header("cookie");
  const speaksCookies = cookies !== undefined || c.res.headers.has("set-cookie");
  if (speaksCookies && !(cookies?.includes(`${COOKIES.d1Bookmark}=${bookmark}`) ?? false)) {
    setBookmarkCookie(c, bookmark, BOOKMARK_COOKIE_MAX_AGE);
  }
}
