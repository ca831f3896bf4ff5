// Issue 18 "Must show": the session-binding check's cost per request (target ≤ 0.2 ms), timed inside workerd by
// bench/binding-worker-routes.ts, beside the access-token verification every authenticated request already
// pays. The check reads no storage: test/integration/sessions/binding.test.ts counts a request's KV and D1 calls
// with the binding on and off, and the hot-path I/O counts (bench/hot-paths.mjs) use tokens that carry `bnd`.
import { median } from "./lib.mjs";

export async function bindingBench(worker, report) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${worker.origin}/__bench/binding?rounds=2000`);
    if (!res.ok) throw new Error(`/__bench/binding answered ${res.status}: ${await res.text()}`);
    runs.push(await res.json());
  }
  const m = (k) => median(runs.map((r) => r[k]));
  const o = runs[0].outcomes;
  if (!o.mobile || !o.mobileMoved || o.mobileAbroad || o.strictMoved || o.mismatch) {
    throw new Error(`binding outcomes are wrong: ${JSON.stringify(o)}`);
  }
  const target = (v) => v <= 0.2;
  report("access-token verification per request (baseline, in workerd)", m("verifyMs"), "ms");
  report(
    "binding check per request, mobile (in workerd)",
    m("mobileMs"),
    "ms",
    target,
    "target ≤ 0.2 ms, no storage read",
  );
  report(
    "binding check per request, mobile, IP moved in its ASN",
    m("mobileMovedMs"),
    "ms",
    target,
    "target ≤ 0.2 ms",
  );
  report("binding check per request, strict", m("strictMs"), "ms", target, "target ≤ 0.2 ms");
  report(
    "binding check per request, a mismatch detected",
    m("mismatchMs"),
    "ms",
    target,
    "before the revocation",
  );
  report("binding check per request, policy off", m("offMs"), "ms");
  report(
    "binding check / token verification",
    m("mobileMs") / m("verifyMs"),
    "×",
    undefined,
    "what the check adds to the edge's existing CPU",
  );
  report("binding check on refresh (plain, no hash)", m("refreshCheckMs"), "ms");
  report(
    "bnd claim minting per access token",
    m("mintMs"),
    "ms",
    undefined,
    `claim ${runs[0].claimLength} chars`,
  );
}
