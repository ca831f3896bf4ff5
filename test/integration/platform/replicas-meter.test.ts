import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { IoMeter } from "../../../bench/io-meter";

it("the bench's meter tells each D1 round trip where the Sessions API would send it", async () => {
  const meter = new IoMeter();
  const db = meter.wrapD1(env.DB);
  const where = () => ({ ...meter.d1 });

  await db.prepare("SELECT 1").first(); // the plain binding: the primary
  expect(where()).toEqual({ primary: 1, replica: 0 });

  const anywhere = db.withSession("first-unconstrained");
  await anywhere.prepare("SELECT 1").first(); // before any write: a replica may answer
  await anywhere.batch([anywhere.prepare("SELECT 1"), anywhere.prepare("SELECT 2")]);
  expect(where()).toEqual({ primary: 1, replica: 2 });
  await anywhere.prepare("UPDATE users SET updated_at = updated_at WHERE id = ?").bind("nobody").run();
  await anywhere.prepare("SELECT 1").first(); // after a write: counted on the primary
  expect(where()).toEqual({ primary: 3, replica: 2 });

  const primaryFirst = db.withSession("first-primary");
  await primaryFirst.prepare("SELECT 1").first(); // its first query: the primary
  await primaryFirst.prepare("SELECT 2").first(); // then a replica at least as fresh
  await primaryFirst.batch([
    primaryFirst.prepare("SELECT 1"),
    primaryFirst.prepare("DELETE FROM users WHERE id = ?").bind("nobody"),
  ]); // a batch with a write: the primary
  expect(where()).toEqual({ primary: 5, replica: 3 });
  expect(typeof primaryFirst.getBookmark()).toBe("string");
  // Every round trip is still one D1 call for the existing columns.
  expect(meter.calls.d1).toBe(8);
});
