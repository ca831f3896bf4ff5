import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { normalizeRecoveryCode, totpCode, totpCounter } from "../../../src/crypto/otp";
import { hashToken } from "../../../src/crypto/tokens";
import { signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

/**
 * Recovery codes at rest: HMAC-SHA-256 under a key derived from ENCRYPTION_KEYS (`<key id>:<hex>`), so a
 * database dump alone cannot test them; the hashing itself is unit-tested against node:crypto vectors in
 * test/unit/recovery-code-hash.test.ts.
 */
type App = ReturnType<typeof testWorker>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const CURRENT_KEY = (env.ENCRYPTION_KEYS as string).split(",")[0] as string; // `dev1:<base64>`

async function ownerWithMfa(app: App) {
  const owner = await verifiedOwner(app, uniqueEmail("recovery"));
  const session = await signIn(app, owner.email, owner.password, owner.teamId);
  const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", {
    headers: bearer(session.accessToken),
  });
  const setup = (await init.json()) as { challengeId: string; secret: string };
  const secret = decodeBase32IgnorePadding(setup.secret);
  const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
    headers: bearer(session.accessToken),
    body: { challengeId: setup.challengeId, code: totpCode(secret, totpCounter(app.clock.now())) },
  });
  expect(done.status).toBe(200);
  const { recoveryCodes } = (await done.json()) as { recoveryCodes: string[] };
  return { ...owner, recoveryCodes };
}

/** Password step, then the mfa step with `code`: the mfa step's status. */
async function signInWithCode(app: App, owner: { email: string; password: string }, code: string) {
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: owner.email, password: owner.password },
  });
  const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  expect(step.step).toBe("mfa");
  const res = await app.request("POST", "/api/v1/auth/login/mfa", {
    body: { preAuthToken: step.preAuthToken, code, deviceId: step.deviceId },
  });
  return res.status;
}

async function storedHashes(userId: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT code_hash FROM recovery_codes WHERE user_id = ?")
    .bind(userId)
    .all<{ code_hash: string }>();
  return rows.results.map((r) => r.code_hash);
}

describe("recovery codes at rest", () => {
  it("are stored as keyed HMACs, not as the SHA-256 of any returned code; a code signs in exactly once", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerWithMfa(app);
    const stored = await storedHashes(owner.userId);
    expect(stored).toHaveLength(10);
    const keyId = CURRENT_KEY.split(":")[0];
    for (const hash of stored) expect(hash).toMatch(new RegExp(`^${keyId}:[0-9a-f]{64}$`));

    // Whatever a dump reader could compute from a guessed code alone is not in the table.
    const guessable = new Set<string>();
    for (const code of owner.recoveryCodes) {
      const normalized = normalizeRecoveryCode(code) as string;
      for (const message of [code, normalized, `recovery:${owner.userId}:${normalized}`]) {
        const sha = await hashToken(message);
        guessable.add(sha);
      }
    }
    for (const hash of stored) {
      expect(guessable.has(hash)).toBe(false);
      expect(guessable.has(hash.slice(hash.indexOf(":") + 1))).toBe(false);
    }

    const code = owner.recoveryCodes[0] as string;
    expect(await signInWithCode(app, owner, code)).toBe(200);
    expect(await signInWithCode(app, owner, code)).toBe(401);
    expect(await signInWithCode(app, owner, (owner.recoveryCodes[1] as string).toLowerCase())).toBe(200);
  });

  it("a code stored in the earlier format (plain SHA-256) still works, once", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerWithMfa(app);
    const legacy = await hashToken(`recovery:${owner.userId}:ABCDEFGHJKMN`);
    await env.DB.prepare("INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES (?, ?, ?)")
      .bind(legacy, owner.userId, Date.now())
      .run();
    expect(await signInWithCode(app, owner, "abcd-efgh-jkmn")).toBe(200);
    expect(await signInWithCode(app, owner, "ABCD-EFGH-JKMN")).toBe(401);
  });

  it("keep working after a key rotation (a new key first, the old one kept)", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerWithMfa(app);
    const newKey = `new2:${btoa(String.fromCharCode(...new Uint8Array(32).fill(9)))}`;
    const rotated = testWorker({
      clock: app.clock,
      deviceId: app.deviceId,
      env: { SINGLE_SESSION: "false", ENCRYPTION_KEYS: `${newKey},${CURRENT_KEY}` },
    });
    expect(await signInWithCode(rotated, owner, owner.recoveryCodes[0] as string)).toBe(200);
    // Without the old key the old codes are unusable (the HMAC key is a server secret).
    const lost = testWorker({
      clock: app.clock,
      deviceId: app.deviceId,
      env: { SINGLE_SESSION: "false", ENCRYPTION_KEYS: newKey },
    });
    expect(await signInWithCode(lost, owner, owner.recoveryCodes[1] as string)).toBe(401);
  });
});
