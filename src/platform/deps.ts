/**
 * Everything Gatehouse takes from the outside world, injected so tests can swap the clock and the outbound
 * network while keeping real storage (D1, KV, Durable Objects, Queues).
 */
export interface Deps {
  /** Milliseconds since the epoch. */
  now: () => number;
  /** A cryptographically secure source of random bytes. */
  random: (length: number) => Uint8Array;
  /** Every outbound HTTP call (Turnstile, HIBP, email providers) goes through this. */
  fetch: typeof fetch;
}

function cryptoRandom(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

export const defaultDeps: Deps = {
  now: () => Date.now(),
  random: cryptoRandom,
  fetch: (input, init) => fetch(input, init),
};
