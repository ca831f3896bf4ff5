import { hasPermission } from "../../auth/permission-match";
import type { Principal } from "../../auth/principal";
import { hashToken } from "../../crypto/tokens";
import { apiKeyForAuth } from "../../db/api-keys";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { teamEventsStub } from "./publish";
import { sseComment, sseFrame } from "./sse";
import { CLOSE_CODES, type Subscriber } from "./subscriber";

/** A heartbeat comment this often keeps proxies and clients from timing the stream out (issue 15: 25 s). */
export const HEARTBEAT_MS = 25_000;
/** The reconnection delay suggested to clients (`retry:`). */
export const RETRY_MS = 3_000;
/** Frames queued for a client that does not read; beyond this the stream ends (`slow_consumer`). */
const MAX_QUEUED_FRAMES = 2_000;
/** setTimeout's ceiling (2^31 − 1 ms): an API key without expiry gets no expiry timer. */
const MAX_TIMER_MS = 2_147_483_647;

/** Why a stream ended, sent as the last frame (`event: end`) so a client knows whether to refresh first. */
export type EndReason = "expired" | "revoked" | "slow_consumer" | "server_restart";

export interface OpenStreamInput {
  principal: Principal;
  /** Resume after this event id (Last-Event-ID), or null for live events only. */
  lastEventId: number | null;
  /** The API key itself when the subscriber is one: re-checked at each heartbeat (it is not a pushed cut). */
  apiKey?: string;
}

/**
 * The SSE response of a subscriber. The Worker holds the client's response; the team's object is reached over a
 * WebSocket it accepted with the Hibernation API, so between events neither side bills duration: the heartbeat
 * is written here, by the Worker, without waking the object. The stream ends — with a final `event: end` — at
 * the token's expiry, when the object cuts the subscriber (session ended, membership changed, key revoked: see
 * cuts.ts), when the object goes away (deploy, eviction: `server_restart`), or when the client stops reading.
 */
export async function openStream(ctx: RequestContext, input: OpenStreamInput): Promise<Response> {
  const { principal } = input;
  if (!principal.team)
    throw new AuthError("forbidden", { internal: { reason: "token not bound to a team" } });
  const subscriber: Subscriber = {
    userId: principal.userId,
    sid: principal.sid,
    sep: principal.sep,
    mst: principal.mst,
    apiKeyId: principal.apiKeyId,
  };
  const headers: Record<string, string> = {
    upgrade: "websocket",
    "x-subscriber": JSON.stringify(subscriber),
  };
  if (input.lastEventId !== null) headers["x-last-event-id"] = String(input.lastEventId);
  const upgrade = await teamEventsStub(ctx, principal.team).fetch("https://team-events/subscribe", {
    headers,
  });
  const socket = upgrade.webSocket;
  if (upgrade.status !== 101 || !socket) {
    throw new AuthError("internal_error", {
      internal: { reason: "event stream upgrade refused", status: upgrade.status },
    });
  }
  socket.accept();

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let ended = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let expiry: ReturnType<typeof setTimeout> | undefined;

  const write = (text: string) => {
    if (ended) return;
    if ((writer.desiredSize ?? 0) < -MAX_QUEUED_FRAMES) {
      end("slow_consumer");
      return;
    }
    writer.write(encoder.encode(text)).catch(() => end(null));
  };

  /** Ends the stream once: `reason` null when the client went away (nothing left to tell it). */
  function end(reason: EndReason | null) {
    if (ended) return;
    if (reason !== null) {
      const frame = sseFrame({ event: "end", data: JSON.stringify({ reason }) });
      writer.write(encoder.encode(frame)).catch(() => {});
    }
    ended = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (expiry !== undefined) clearTimeout(expiry);
    writer.close().catch(() => {});
    try {
      socket?.close(1000, reason ?? "client_gone");
    } catch {
      // already closed by the object
    }
  }

  write(sseFrame({ retry: RETRY_MS }));
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") write(event.data);
  });
  socket.addEventListener("close", (event) => {
    end(
      event.code === CLOSE_CODES.revoked
        ? "revoked"
        : event.code === CLOSE_CODES.slow
          ? "slow_consumer"
          : "server_restart",
    );
  });
  socket.addEventListener("error", () => end("server_restart"));
  writer.closed.catch(() => end(null));

  heartbeat = setInterval(() => {
    write(sseComment("heartbeat"));
    if (input.apiKey !== undefined) {
      void apiKeyStillSubscribes(ctx, input.apiKey, principal.team as string)
        .then((ok) => {
          if (!ok) end("revoked");
        })
        .catch((error) => logger.warn("event stream: API key re-check failed", { error }));
    }
  }, HEARTBEAT_MS);
  const untilExpiry = principal.expiresAt - ctx.now();
  if (untilExpiry <= 0) end("expired");
  else if (untilExpiry < MAX_TIMER_MS) expiry = setTimeout(() => end("expired"), untilExpiry);

  return new Response(readable, {
    status: 200,
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    },
  });
}

/**
 * An API key subscriber's periodic re-check (one indexed D1 read per heartbeat): revoked keys are also cut by a
 * push (`api_key.revoked`), but a key revoked as a side effect of another change (its creator's permissions
 * shrank) publishes no event, and an expiry or a withdrawn events:read must end the stream too.
 */
async function apiKeyStillSubscribes(ctx: RequestContext, key: string, teamId: string): Promise<boolean> {
  const row = await apiKeyForAuth(ctx.db, await hashToken(key));
  if (!row || row.teamId !== teamId) return false;
  if (row.expiresAt !== null && row.expiresAt <= ctx.now()) return false;
  return hasPermission(JSON.parse(row.permissions) as string[], "events:read");
}
