#!/usr/bin/env node
// Credential-stuffing simulation against a local Gatehouse (`npm run dev` up first; docs/abuse-signals.md).
//
//   node scripts/stuffing-sim.mjs [--url http://127.0.0.1:8787] [--accounts 1000] [--attempts 2] [--real 5]
//
// 1. seeds a few real accounts (registered and verified through the API and the dev mailbox, each from its own
//    network so no sign-up burst is involved) and one legitimate user on another ASN;
// 2. replays a combo list: `accounts` addresses (mostly unknown, `real` of them real) × `attempts` passwords
//    each, account after account, from random addresses of 16 /24s of ONE ASN (a proxy pool), no Turnstile;
// 3. while the attack runs, the legitimate user signs in from another ASN;
// 4. prints a report: when the network was first refused (captcha_required / 429), what the attack got,
//    and how the legitimate user fared. Exits 1 if the network was not refused within the first 100 attempts
//    or the legitimate user was refused.
//
// Only the development geo headers move the clients (`CF-Connecting-IP`, `CF-ASN`: honoured outside production,
// src/http/client-info.ts): every request goes to the local Worker, nothing leaves the machine. The addresses are
// the RFC 2544 benchmarking range (198.18.0.0/15) and RFC 5737 documentation ranges; the ASNs are private-use
// ones (RFC 6996), the seeded victims' RFC 5398 documentation ones.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.GATEHOUSE_URL ?? "http://127.0.0.1:8787" },
    accounts: { type: "string", default: "1000" },
    attempts: { type: "string", default: "2" },
    real: { type: "string", default: "5" },
  },
});
const BASE = values.url.replace(/\/$/, "");
const ACCOUNTS = Number(values.accounts);
const ATTEMPTS = Number(values.attempts);
const REAL = Number(values.real);
// Private-use ASNs (RFC 6996), fresh for every run: a signal of an earlier run lasts ABUSE_SIGNAL_SECONDS.
const ATTACK_ASN = String(4_200_000_000 + Math.floor(Math.random() * 90_000_000));
const LEGIT_ASN = String(Number(ATTACK_ASN) + 1);
const DUMMY_TURNSTILE = "XXXX.DUMMY.TOKEN.XXXX";
const PASSWORD = "violet-anchor-meadow-42";
const run = Date.now().toString(36);

function octet() {
  return 1 + Math.floor(Math.random() * 254);
}

async function call(method, path, { body, headers = {} } = {}, retries = 2) {
  try {
    const response = await fetch(`${BASE}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
  } catch (error) {
    // `wrangler dev` reloads the Worker when a source file changes: one retry rides over a reload.
    if (retries === 0) throw error;
    await new Promise((r) => setTimeout(r, 2_000));
    return call(method, path, { body, headers }, retries - 1);
  }
}

/** Registers and verifies an account from its own network; returns its address. */
async function seedAccount(label, ip, asn) {
  const email = `sim-${label}-${run}@example.com`;
  const headers = { "cf-connecting-ip": ip, "cf-asn": asn };
  const registered = await call("POST", "/api/v1/auth/register", {
    body: {
      email,
      password: PASSWORD,
      name: "Sim",
      teamName: `Sim ${label}`,
      turnstileToken: DUMMY_TURNSTILE,
    },
    headers,
  });
  if (registered.status !== 201)
    throw new Error(`register ${email}: ${registered.status} ${registered.json?.code}`);
  for (let i = 0; i < 50; i += 1) {
    const mails = await call("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
    const link = Array.isArray(mails.json) ? mails.json[0]?.links?.[0] : undefined;
    if (link) {
      const token = new URL(link).searchParams.get("token");
      const verified = await call("POST", "/api/v1/auth/verify-email", { body: { token }, headers });
      if (verified.status !== 200) throw new Error(`verify ${email}: ${verified.status}`);
      return email;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no verification mail for ${email}`);
}

function login(email, password, ip, asn) {
  return call("POST", "/api/v1/auth/login", {
    body: { email, password },
    headers: { "cf-connecting-ip": ip, "cf-asn": asn },
  });
}

const ready = await call("GET", "/health/ready").catch(() => ({ status: 0 }));
if (ready.status !== 200) {
  console.error(`Gatehouse is not ready at ${BASE} (start it with \`npm run dev\`)`);
  process.exit(2);
}

console.log(`seeding ${REAL} real accounts and one legitimate user …`);
const real = [];
for (let i = 0; i < REAL; i += 1)
  real.push(await seedAccount(`victim${i}`, `192.0.2.${10 + i}`, String(64500 + i)));
const legit = await seedAccount("legit", "203.0.113.50", LEGIT_ASN);

// The combo list: real addresses spread among unknown ones, ATTEMPTS leaked passwords each.
const list = Array.from({ length: ACCOUNTS }, (_, i) => `stuffed-${i}-${run}@example.org`);
real.forEach((email, i) => {
  list[Math.floor(((i + 1) * ACCOUNTS) / (REAL + 1))] = email;
});
const pool = Array.from({ length: 16 }, () => `198.${18 + Math.floor(Math.random() * 2)}.${octet()}`);

console.log(
  `attack: ${ACCOUNTS} accounts × ${ATTEMPTS} attempts from ASN ${ATTACK_ASN} (${pool.length} /24s) …`,
);
const started = performance.now();
const counts = new Map();
let attempt = 0;
let firstRefused = null;
let firstRateLimited = null;
let legitDuring = null;
let accepted = 0;
for (const [index, email] of list.entries()) {
  for (let k = 0; k < ATTEMPTS; k += 1) {
    attempt += 1;
    const ip = `${pool[Math.floor(Math.random() * pool.length)]}.${octet()}`;
    // A different leaked password per pair (stuffing, not spraying: every pair is its own credential).
    const answer = await login(email, `Leaked-${k}-${index}!`, ip, ATTACK_ASN);
    const key = `${answer.status} ${answer.json?.code ?? answer.json?.step ?? ""}`.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (answer.status === 200) accepted += 1;
    if (firstRefused === null && (answer.status === 400 || answer.status === 429)) firstRefused = attempt;
    if (firstRateLimited === null && answer.status === 429)
      firstRateLimited = { attempt, retryAfter: answer.retryAfter };
    if (attempt === 150) {
      // Mid-attack: the legitimate user, from another ASN, with the right password and no Turnstile.
      const t = performance.now();
      const answer = await login(legit, PASSWORD, "203.0.113.50", LEGIT_ASN);
      legitDuring = {
        status: answer.status,
        step: answer.json?.step,
        code: answer.json?.code,
        ms: performance.now() - t,
      };
    }
  }
}
const seconds = (performance.now() - started) / 1000;
const t = performance.now();
const after = await login(legit, PASSWORD, "203.0.113.51", LEGIT_ASN);
const legitAfter = {
  status: after.status,
  step: after.json?.step,
  code: after.json?.code,
  ms: performance.now() - t,
};

console.log("\n== credential-stuffing simulation ==");
console.log(
  `attempts                      ${attempt} in ${seconds.toFixed(1)} s (${(attempt / seconds).toFixed(0)}/s)`,
);
console.log(`first refused (400/429)       attempt #${firstRefused ?? "never"}`);
console.log(
  `first 429 rate_limited        ${firstRateLimited ? `attempt #${firstRateLimited.attempt} (Retry-After ${firstRateLimited.retryAfter} s)` : "never"}`,
);
console.log("answers to the attacker:");
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${key.padEnd(28)}${n}`);
console.log(`password steps passed         ${accepted} (the attacker's leaked passwords were all wrong)`);
const show = (r) => `${r.status} ${r.step ?? r.code ?? ""} in ${r.ms.toFixed(0)} ms`;
console.log(
  `legitimate user, other ASN    during: ${legitDuring ? show(legitDuring) : "n/a"}; after: ${show(legitAfter)}`,
);

const ok =
  firstRefused !== null && firstRefused <= 100 && legitDuring?.status === 200 && legitAfter.status === 200;
console.log(
  ok
    ? "\nPASS: the ASN was throttled within its first 100 attempts; the other ASN signed in at once"
    : "\nFAIL",
);
process.exit(ok ? 0 : 1);
