import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../../src/crypto/password";
import { GOOD_PASSWORD, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

/**
 * A read replica that lags: the login's password step is a read path, so its user lookup may come from a replica.
 * Simulated with a snapshot of the users table taken before a change on the primary: a session that does not
 * start on the primary reads `users` from the snapshot until it writes (then, sequentially consistent, it is
 * at least as new as its write); a `first-primary` session reads the real table.
 */
function laggingReplica(real: D1Database, snapshot: string) {
  const log = { sessions: [] as string[] };
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "withSession") {
        return (start?: string) => {
          log.sessions.push(start ?? "(none)");
          const session = target.withSession(start);
          if (start === "first-primary") return session;
          let wrote = false;
          return {
            prepare(query: string) {
              const read = /^\s*select\b/i.test(query);
              if (!read) wrote = true;
              return session.prepare(read && !wrote ? query.replaceAll('"users"', `"${snapshot}"`) : query);
            },
            batch: (statements: D1PreparedStatement[]) => session.batch(statements),
            getBookmark: () => session.getBookmark(),
          };
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, log };
}

async function snapshotUsers(): Promise<string> {
  const name = `users_replica_${crypto.randomUUID().replaceAll("-", "")}`;
  await env.DB.prepare(`CREATE TABLE "${name}" AS SELECT * FROM users`).run();
  return name;
}

const TEST_ARGON2 = { memoryKiB: 8192, iterations: 1, parallelism: 1 };
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

async function userRow(email: string) {
  const row = await env.DB.prepare(
    "SELECT id, failed_login_count AS failures, locked_until AS lockedUntil, security_stamp AS stamp FROM users WHERE email = ?",
  )
    .bind(email)
    .first<{ id: string; failures: number; lockedUntil: number | null; stamp: string }>();
  if (!row) throw new Error("no user");
  return row;
}

describe("a login whose lookup a lagging replica answers", () => {
  it("the replica's row is used (positive control) and the success is confirmed on the primary", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("replica"));
    const replica = laggingReplica(env.DB, await snapshotUsers());
    const lagging = testWorker({ env: { DB: replica.db }, deviceId: app.deviceId });

    const res = await lagging.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { step: string }).step).toBe("select_team");
    // The lookup's session started anywhere; the confirmation opened one on the primary.
    expect(replica.log.sessions.slice(-2)).toEqual(["first-unconstrained", "first-primary"]);
  });

  it("a password changed on the primary after the replica's copy: the old password is refused, the new one too (stale hash)", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("replica"));
    const snapshot = await snapshotUsers();
    // Another client changes the password: new hash, new security stamp, on the primary only.
    const newPassword = "amber-lantern-orchard-77";
    await env.DB.prepare("UPDATE users SET password_hash = ?, security_stamp = ? WHERE email = ?")
      .bind(hashPassword(newPassword, TEST_ARGON2, random), "rotated-stamp-0001", owner.email)
      .run();
    const before = await userRow(owner.email);

    const replica = laggingReplica(env.DB, snapshot);
    const lagging = testWorker({ env: { DB: replica.db }, deviceId: app.deviceId });
    // The old password matches the replica's hash, but the primary has another: no login.
    const old = await lagging.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(old.status).toBe(401);
    expect(((await old.json()) as { code: string }).code).toBe("invalid_credentials");
    // It counted as a wrong password on the primary.
    expect((await userRow(owner.email)).failures).toBe(before.failures + 1);

    // Proof that the lookup really was stale: the new password fails against the replica's old hash.
    const fresh = await lagging.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: newPassword },
    });
    expect(fresh.status).toBe(401);
    // On the primary (no lag) the new password works.
    const direct = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: newPassword },
    });
    expect(direct.status).toBe(200);
  });

  it("an account locked on the primary after the replica's copy stays locked: the right password is refused and the lock is not reset", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("replica"));
    const snapshot = await snapshotUsers();
    const lockedUntil = Date.now() + 3_600_000;
    await env.DB.prepare("UPDATE users SET failed_login_count = 5, locked_until = ? WHERE email = ?")
      .bind(lockedUntil, owner.email)
      .run();

    const lagging = testWorker({ env: { DB: laggingReplica(env.DB, snapshot).db }, deviceId: app.deviceId });
    const res = await lagging.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_credentials");
    const after = await userRow(owner.email);
    expect(after.lockedUntil).toBe(lockedUntil);
    expect(after.failures).toBe(5);
  });

  it("a pre-auth token minted under the old stamp cannot become a session: session-exchange checks the stamp on the primary", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("replica"));
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    const step = (await login.json()) as { preAuthToken: string; deviceId: string };
    // The stamp changes on the primary (a password reset elsewhere) before the login finishes.
    await env.DB.prepare("UPDATE users SET security_stamp = ? WHERE email = ?")
      .bind("rotated-stamp-0002", owner.email)
      .run();
    const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(exchange.status).toBe(401);
  });
});
