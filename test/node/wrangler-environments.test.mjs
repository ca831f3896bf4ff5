// wrangler.toml's environments, read with wrangler's own parser: staging and production declare every binding
// the top level (development) declares, under names of their own, with well-formed placeholder ids, and their
// vars hold none of the development settings the repository publishes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readRawConfig } from "../../scripts/lib/wrangler-config.mjs";
import { PUBLISHED_DEV_SETTINGS, TURNSTILE_TEST_SECRETS } from "../../src/platform/dev-settings.ts";

const raw = readRawConfig(new URL("../../wrangler.toml", import.meta.url).pathname);
const ENVS = ["staging", "production"];
const sorted = (xs) => [...xs].sort();
const doBindings = (c) => sorted((c.durable_objects?.bindings ?? []).map((b) => `${b.name}→${b.class_name}`));
const producerBindings = (c) => sorted((c.queues?.producers ?? []).map((p) => p.binding));
const queueNames = (c) => {
  const consumers = c.queues?.consumers ?? [];
  return new Set([
    ...(c.queues?.producers ?? []).map((p) => p.queue),
    ...consumers.map((q) => q.queue),
    ...consumers.map((q) => q.dead_letter_queue).filter(Boolean),
  ]);
};
/** A consumer's shape without its names: which producer it drains, and whether it has a dead letter queue. */
const consumerShapes = (c) => {
  const byQueue = new Map((c.queues?.producers ?? []).map((p) => [p.queue, p.binding]));
  return sorted(
    (c.queues?.consumers ?? []).map((q) => {
      const producer = byQueue.get(q.queue);
      const dlqOf = [...byQueue].find(([queue]) => `${queue}-dlq` === q.queue)?.[1];
      return `${producer ?? `dlq:${dlqOf}`}|batch=${q.max_batch_size}|retries=${q.max_retries}|dlq=${Boolean(q.dead_letter_queue)}`;
    }),
  );
};

describe("wrangler.toml environments", () => {
  it("top level, staging and production are the three environments", () => {
    assert.deepEqual(sorted(Object.keys(raw.env)), sorted(ENVS));
  });

  for (const env of ENVS) {
    const section = raw.env[env];

    it(`${env}: every Durable Object binding of the top level, and every migrated class bound`, () => {
      assert.deepEqual(doBindings(section), doBindings(raw));
      const migrated = raw.migrations.flatMap((m) => [
        ...(m.new_sqlite_classes ?? []),
        ...(m.new_classes ?? []),
      ]);
      const bound = new Set((section.durable_objects?.bindings ?? []).map((b) => b.class_name));
      assert.deepEqual(
        migrated.filter((c) => !bound.has(c)),
        [],
      );
      assert.equal(
        section.migrations,
        undefined,
        "Durable Object migrations are inherited from the top level",
      );
    });

    it(`${env}: the same queues (producers, consumers, dead letter queues) as the top level`, () => {
      assert.deepEqual(producerBindings(section), producerBindings(raw));
      assert.deepEqual(consumerShapes(section), consumerShapes(raw));
      const names = queueNames(section);
      for (const q of section.queues.consumers) {
        if (q.dead_letter_queue)
          assert.ok(names.has(q.dead_letter_queue), `${q.dead_letter_queue} is consumed`);
      }
    });

    it(`${env}: D1 and KV bound like the top level, with well-formed placeholder or real ids`, () => {
      assert.deepEqual(
        section.d1_databases.map((d) => d.binding),
        raw.d1_databases.map((d) => d.binding),
      );
      assert.deepEqual(
        section.kv_namespaces.map((k) => k.binding),
        raw.kv_namespaces.map((k) => k.binding),
      );
      for (const db of section.d1_databases) {
        assert.match(db.database_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(db.migrations_dir, "migrations");
      }
      for (const ns of section.kv_namespaces) assert.match(ns.id, /^[0-9a-f]{32}$/);
    });

    it(`${env}: the Analytics Engine datasets, observability with traces, the inherited cron`, () => {
      const datasets = (c) => sorted((c.analytics_engine_datasets ?? []).map((d) => d.binding));
      assert.deepEqual(datasets(section), ["ANALYTICS", "METRICS_DATASET"]);
      assert.equal(section.observability?.enabled, true);
      assert.equal(section.observability?.traces?.enabled, true);
      assert.equal(section.triggers, undefined, "the cron is inherited");
      assert.ok(raw.triggers.crons.length > 0);
    });

    it(`${env}: the top level's variables, production rules, no published development setting`, () => {
      const vars = section.vars;
      assert.deepEqual(sorted(Object.keys(vars)), sorted(Object.keys(raw.vars)));
      assert.equal(vars.ENVIRONMENT, "production");
      assert.match(vars.PUBLIC_ORIGIN, /^https:\/\//);
      assert.notEqual(vars.EMAIL_PROVIDER, "mailbox");
      const published = new Set([...Object.values(PUBLISHED_DEV_SETTINGS), ...TURNSTILE_TEST_SECRETS]);
      for (const [name, value] of Object.entries(vars)) {
        assert.ok(!(name in PUBLISHED_DEV_SETTINGS), `${name} is a secret, not a var`);
        assert.ok(!published.has(value), `${name} holds a published development value`);
      }
      assert.ok(Number(vars.LOG_SAMPLE_RATE) < 1, "successful requests are sampled");
    });
  }

  it("staging and production share no resource: Worker, database, queues, datasets", () => {
    const [s, p] = ENVS.map((e) => raw.env[e]);
    assert.notEqual(s.name, p.name);
    assert.notEqual(s.d1_databases[0].database_name, p.d1_databases[0].database_name);
    const shared = [...queueNames(s)].filter((q) => queueNames(p).has(q));
    assert.deepEqual(shared, []);
    const dataset = (c) => new Set(c.analytics_engine_datasets.map((d) => d.dataset));
    assert.deepEqual(
      [...dataset(s)].filter((d) => dataset(p).has(d)),
      [],
    );
    const realIds = (c) =>
      [c.d1_databases[0].database_id, c.kv_namespaces[0].id].filter((id) => !/^[0-]+$/.test(id));
    assert.deepEqual(
      realIds(s).filter((id) => realIds(p).includes(id)),
      [],
    );
  });
});
