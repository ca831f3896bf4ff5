import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/crypto/tokens";
import { recoveryCodeHash, recoveryCodeLookups } from "../../src/features/mfa/recovery-code-hash";

/**
 * Recovery codes are stored as HMAC-SHA-256 under a key derived from ENCRYPTION_KEYS, so a database dump alone
 * cannot test guesses. The vectors were computed independently with node:crypto:
 *
 *   const k = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));           // 01 02 … 20
 *   const mac = crypto.createHmac("sha256", k).update("gatehouse recovery codes v1").digest();
 *   crypto.createHmac("sha256", mac).update("recovery:user-1:ABCDEFGHJKMN").digest("hex");
 *   // → f6f579f00c5b324bfd5bf9ae22790caa2ea48689f7f09527007060e55132eb35
 *   // the same with k = 32 bytes of 0x07 → 33e5f8cfd56e969fea8bb2c7ca000232cd8360d07a1cc6bdbb1e1227b2661d8f
 *   crypto.createHash("sha256").update("recovery:user-1:ABCDEFGHJKMN").digest("hex");     // the old format
 *   // → ec7c77c707181e4b8731bd9bf56afc2edc7b2892eb73e4981e566f353a07f7c2
 */
const K1 = { id: "k1", key: Uint8Array.from({ length: 32 }, (_, i) => i + 1) };
const K7 = { id: "old7", key: new Uint8Array(32).fill(7) };
const CODE = { userId: "user-1", code: "ABCDEFGHJKMN" };
const K1_MAC = "f6f579f00c5b324bfd5bf9ae22790caa2ea48689f7f09527007060e55132eb35";
const K7_MAC = "33e5f8cfd56e969fea8bb2c7ca000232cd8360d07a1cc6bdbb1e1227b2661d8f";
const LEGACY = "ec7c77c707181e4b8731bd9bf56afc2edc7b2892eb73e4981e566f353a07f7c2";

describe("recovery-code hashing (HMAC-SHA-256 under a key derived from ENCRYPTION_KEYS)", () => {
  it("stores `<key id>:<hex HMAC>` under the current (first) key", async () => {
    expect(await recoveryCodeHash([K1, K7], CODE)).toBe(`k1:${K1_MAC}`);
    expect(await recoveryCodeHash([K7, K1], CODE)).toBe(`old7:${K7_MAC}`);
  });

  it("is not the plain SHA-256 of the code, and depends on the user", async () => {
    expect(await hashToken("recovery:user-1:ABCDEFGHJKMN")).toBe(LEGACY);
    expect(await recoveryCodeHash([K1], CODE)).not.toContain(LEGACY);
    expect(await recoveryCodeHash([K1], { ...CODE, userId: "user-2" })).not.toBe(`k1:${K1_MAC}`);
  });

  it("looks a code up under every configured key and in the old format, so a rotation keeps codes valid", async () => {
    expect(await recoveryCodeLookups([K1, K7], CODE)).toEqual([`k1:${K1_MAC}`, `old7:${K7_MAC}`, LEGACY]);
  });
});
