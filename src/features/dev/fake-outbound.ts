import { sha1Hex } from "../passwords/breached";

/**
 * The local stand-in for the outside world in development (`wrangler dev` reaches no third party here).
 * It answers the HIBP range API from a small built-in list of breached passwords, in HIBP's exact format
 * (with padding entries), so the production code path runs unchanged against it. Everything else is
 * refused with 502, as an unreachable provider would be, except this machine's own loopback (local fakes).
 */
const DEV_BREACHED_PASSWORDS = [
  "correct horse battery staple",
  "Tr0ub4dor&3",
  "P@ssw0rd2024!",
  "breached-password-demo",
];

export function fakeOutboundFetch(): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const range = /^\/range\/([0-9A-F]{5})$/i.exec(url.pathname);
    if (url.hostname === "api.pwnedpasswords.com" && range?.[1]) {
      const prefix = range[1].toUpperCase();
      const lines: string[] = [];
      for (const password of DEV_BREACHED_PASSWORDS) {
        const digest = await sha1Hex(password);
        if (digest.startsWith(prefix)) lines.push(`${digest.slice(5)}:${1000 + password.length}`);
      }
      // padding, as with `Add-Padding: true`
      lines.push("0000000000000000000000000000000000A:0", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0");
      return new Response(lines.join("\r\n"), { headers: { "content-type": "text/plain" } });
    }
    // Local stand-ins on this machine (scripts/fake-virtuozzo.mjs) are reached for real.
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return fetch(request);
    return new Response("outbound network unavailable in development", { status: 502 });
  };
}
