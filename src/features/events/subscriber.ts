/**
 * What the team's object remembers of one subscriber (the WebSocket attachment; it survives hibernation and
 * must stay small: the platform caps an attachment at 2 KiB). Enough to cut the subscriber off when its session
 * ends, its membership changes or its API key is revoked — no secret, no email.
 */
export interface Subscriber {
  userId: string;
  /** The session id (`apikey:<id>` for an API key). */
  sid: string;
  /** The session's access epoch the token was minted in. */
  sep: number;
  /** The membership's access stamp of the token, or null (API keys). */
  mst: number | null;
  apiKeyId: string | null;
}

/** Why the object closed a subscriber's socket: WebSocket close codes (application range 4000–4999). */
export const CLOSE_CODES = {
  /** The session ended, the membership changed or the API key was revoked: reconnecting needs a fresh token. */
  revoked: 4001,
  /** The subscriber fell too far behind (its queue overflowed). */
  slow: 4002,
} as const;

/** Tags the object files a subscriber's socket under (getWebSockets(tag)): one lookup per kind of cut. */
export const subscriberTags = (s: Subscriber): string[] => [
  `u:${s.userId}`,
  `s:${s.sid}`,
  ...(s.apiKeyId ? [`k:${s.apiKeyId}`] : []),
];
