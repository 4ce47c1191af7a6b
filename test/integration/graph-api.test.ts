/**
 * The graph read API end to end, on both engines: edges go in through the S2Graph mutation
 * paths (`insertWithWait`: answered once visible), come out through getEdges, checkEdges,
 * getEdge and getVertices, and every getEdges answer equals the reference executor's over the
 * same edges in memory. Hostile strings as ids, prop values and where literals never change a
 * query's structure; a service token reads only its own labels.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LabelDef, PropValue } from "../../src/lib/index.ts";
import type { Edgeflow } from "../../src/server/index.ts";
import { parseGetEdges, referenceGetEdges, type WhereEdge } from "../../src/server/query/index.ts";
import { call, openTestEdgeflow } from "../support/app.ts";
import { sharedClickHouse, uniqueDatabaseName } from "../support/clickhouse-server.ts";

const hostile = ["x'); DROP TABLE mutations; --", "a\\'b", "\\", "'", "\"", "`", "${now}", "é ü 中", "a\nb\tc", "\u0000z", "1 OR 1=1", "' OR ''='"];

interface Written {
  label: string;
  from: PropValue;
  to: PropValue;
  timestamp: number;
  props: Record<string, PropValue>;
}

const defs = {
  friends: { label: "friends", srcServiceName: "kakao", srcColumnName: "user_id", srcColumnType: "long", tgtServiceName: "kakao", tgtColumnName: "user_id", tgtColumnType: "long", consistencyLevel: "strong", props: [{ name: "weight", dataType: "double", defaultValue: 0.5 }, { name: "since", dataType: "long", defaultValue: 0 }], indices: [{ name: "by_weight", propNames: ["weight"] }] },
  views: { label: "views", srcServiceName: "kakao", srcColumnName: "user_id", srcColumnType: "long", tgtServiceName: "kakao", tgtColumnName: "item_id", tgtColumnType: "string", consistencyLevel: "weak", props: [{ name: "dur", dataType: "long", defaultValue: 0 }, { name: "platform", dataType: "string", defaultValue: "web" }] },
  tagged: { label: "tagged", srcServiceName: "kakao", srcColumnName: "item_id", srcColumnType: "string", tgtServiceName: "kakao", tgtColumnName: "tag", tgtColumnType: "string", consistencyLevel: "strong", props: [{ name: "note", dataType: "string", defaultValue: "" }] },
};

/** A small social graph: users 1..8 follow each other, view items, items carry tags (some hostile). */
function graphEdges(): Written[] {
  const edges: Written[] = [];
  let ts = 1_000;
  for (let u = 1; u <= 8; u++) {
    for (let k = 1; k <= 4; k++) {
      const v = ((u + k * 3) % 8) + 1;
      if (v !== u) edges.push({ label: "friends", from: u, to: v, timestamp: ts++, props: k % 2 === 0 ? { weight: (u * k) % 7 / 7, since: 2000 + k } : { since: 1990 + u } });
    }
    for (let k = 0; k < 5; k++) edges.push({ label: "views", from: u, to: hostile[(u + k) % hostile.length] ?? "i", timestamp: ts++, props: { dur: u * 100 + k, platform: k % 2 ? "ios" : hostile[k] ?? "web" } });
    edges.push({ label: "views", from: u, to: hostile[u % hostile.length] ?? "i", timestamp: ts++, props: { dur: 1 } }); // a weak multi-edge
  }
  for (const [i, item] of hostile.entries()) edges.push({ label: "tagged", from: item, to: hostile[(i + 1) % hostile.length] ?? "t", timestamp: ts++, props: { note: hostile[(i + 2) % hostile.length] ?? "" } });
  return edges;
}

function referenceGraph(edges: readonly Written[], labels: (name: string) => LabelDef | undefined) {
  return {
    edges(label: LabelDef): WhereEdge[] {
      const def = labels(label.label);
      return edges
        .filter((e) => e.label === label.label)
        .map((e) => ({ from: e.from, to: e.to, timestamp: e.timestamp, props: { ...Object.fromEntries((def?.props ?? []).map((p) => [p.name, p.defaultValue])), ...e.props } }));
    },
  };
}

const queries: Array<[string, unknown]> = [
  ["1-step out, default limit", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends" }]] }],
  ["1-step in with limit and offset", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 3 }], steps: [[{ label: "friends", direction: "in", limit: 2, offset: 1 }]] }],
  ["index order by weight", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [2, 4] }], steps: [[{ label: "friends", index: "by_weight", limit: 3 }]] }],
  ["where on props and _to", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2, 3] }], steps: [[{ label: "friends", where: "since > 1995 and _to != 5" }]] }],
  ["duration", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2] }], steps: [[{ label: "friends", duration: { from: 1_002, to: 1_030 } }]] }],
  ["interval on the index", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2, 3, 4] }], steps: [[{ label: "friends", index: "by_weight", interval: { from: { weight: 0.2 }, to: { weight: 0.8 } } }]] }],
  ["weak duplicates: first", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2] }], steps: [[{ label: "views", limit: 10 }]] }],
  ["weak duplicates: countSum", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2] }], steps: [[{ label: "views", limit: 10, duplicate: "countSum" }]] }],
  ["2-step 10x10", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends", limit: 10 }], [{ label: "friends", limit: 10 }]] }],
  ["3-step with a where on the parent", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 2 }], steps: [[{ label: "friends", limit: 3 }], [{ label: "views", limit: 3, where: "_timestamp > _parent._timestamp" }], [{ label: "tagged", limit: 2 }]] }],
  ["groupBy to with scoring", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2, 3] }], groupBy: ["to"], steps: [[{ label: "friends", scoring: { weight: 1 } }]] }],
  ["hostile string literals in where", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2, 3, 4, 5] }], steps: [[{ label: "views", limit: 20, duplicate: "raw", where: `platform = '${"x'); DROP TABLE mutations; --".replace(/\\/g, "\\\\").replace(/'/g, "\\'")}' or platform = 'ios'` }]] }],
  ["hostile ids as sources", { srcVertices: [{ serviceName: "kakao", columnName: "item_id", ids: hostile }], steps: [[{ label: "tagged", limit: 5 }]] }],
  ["select, orderBy and a global limit", { select: ["from", "to", "weight"], orderBy: [{ weight: "DESC" }, { timestamp: "ASC" }], limit: 5, srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2, 3, 4] }], steps: [[{ label: "friends" }]] }],
  ["filterOut removes what another query reaches", { filterOut: { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 2 }], steps: [[{ label: "friends" }]] }, srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends" }], [{ label: "friends" }]] }],
  ["timeDecay and scoring", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [3, 5] }], steps: [[{ label: "friends", scoring: { weight: 2 }, timeDecay: { initial: 1, decayRate: 0.5, timeUnit: 10 } }]] }],
  ["exclude and include in one step", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends", limit: 10 }, { label: "friends", direction: "in", exclude: true }]] }],
  ["nextStepLimit and step weights", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", ids: [1, 2] }], steps: [{ step: [{ label: "friends", scoring: { weight: 1 } }], nextStepLimit: 2, weights: { friends: 3 } }, [{ label: "views", limit: 2 }]] }],
  ["returnTree with parents", { returnTree: true, srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 4 }], steps: [[{ label: "friends", limit: 2 }], [{ label: "friends", limit: 2 }]] }],
  ["weighted multi-query", { queries: [{ srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends" }]] }, { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 2 }], steps: [[{ label: "friends" }]] }], weights: [0.7, 0.3] }],
  ["scorePropagateOp plus over two steps", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 6 }], steps: [[{ label: "friends", limit: 3, scoring: { weight: 1 } }], [{ label: "friends", limit: 3, scorePropagateOp: "plus" }]] }],
  ["transform to the next hop by a prop", { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 7 }], steps: [[{ label: "friends", limit: 2 }]], withScore: false, returnDegree: false }],
  ["union of two queries", { union: { a: { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 5 }], steps: [[{ label: "friends", limit: 2 }]] }, b: { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 6 }], steps: [[{ label: "views", limit: 2 }]] } } }],
];

for (const engine of ["chdb", "clickhouse"] as const) {
  describe(`graph API on ${engine}`, () => {
    let ef: Edgeflow;
    let foreignToken = "";
    const written = graphEdges();

    beforeAll(async () => {
      const remote = engine === "clickhouse" ? { clickhouseUrl: (await sharedClickHouse()).url, clickhouseDatabase: uniqueDatabaseName("api") } : {};
      ef = await openTestEdgeflow(remote, { sinkOptions: { flushIntervalMs: 50, waiterFlushMs: 5 } });
      await call(ef, "POST", "/graphs/createService", { body: { serviceName: "kakao" } });
      foreignToken = (await call(ef, "POST", "/graphs/createService", { body: { serviceName: "other" } })).body.accessToken;
      for (const def of Object.values(defs)) expect((await call(ef, "POST", "/graphs/createLabel", { body: def })).status).toBe(200);
      await call(ef, "POST", "/graphs/createServiceColumn", { body: { serviceName: "kakao", columnName: "member", columnType: "string", props: [{ name: "age", dataType: "integer", defaultValue: 18 }, { name: "nick", dataType: "string" }] } });
      const r = await call(ef, "POST", "/graphs/edges/insertWithWait", { body: written });
      expect(r.status).toBe(200);
      expect((r.body as boolean[]).every(Boolean)).toBe(true);
      const v = await call(ef, "POST", "/graphs/vertices/insertWithWait", { body: hostile.map((id, i) => ({ serviceName: "kakao", columnName: "member", id, timestamp: 5 + i, props: i % 2 ? { age: 30 + i } : { nick: hostile[(i + 3) % hostile.length] } })) });
      expect(v.status).toBe(200);
    }, 60_000);
    afterAll(async () => {
      await ef?.close();
    });

    test.each(queries)(`api: ${engine}: getEdges %s equals the reference`, async (_name, body) => {
      const r = await call(ef, "POST", "/graphs/getEdges", { body });
      expect(r.status).toBe(200);
      const plan = parseGetEdges(body, ef.registry, { nowMs: Date.now() });
      const expected = await referenceGetEdges(plan, referenceGraph(written, (n) => ef.registry.label(n)));
      expect(r.body).toEqual(JSON.parse(JSON.stringify(expected)));
    });

    test(`api: ${engine}: checkEdges and getEdge find existing edges only`, async () => {
      const r = await call(ef, "POST", "/graphs/checkEdges", { body: [{ label: "friends", direction: "out", from: 1, to: 5 }, { label: "friends", from: 1, to: 1 }, { label: "tagged", from: hostile[0], to: hostile[1] }] });
      expect(r.status).toBe(200);
      expect(r.body.map((e: { to: PropValue }) => e.to)).toEqual([5, hostile[1]]);
      const one = await call(ef, "GET", `/graphs/getEdge/1/5/friends/out`);
      expect(one.body.length).toBe(1);
      expect(one.body[0].props.since).toBe(1991);
      // Directions as getEdges reads them: S2Graph's aliases, and a 400 for anything else.
      const alias = await call(ef, "POST", "/graphs/checkEdges", { body: [{ label: "friends", direction: "IN", from: 5, to: 1 }, { label: "friends", direction: "o", from: 1, to: 5 }] });
      expect(alias.body.map((e: { direction: string }) => e.direction)).toEqual(["in", "out"]);
      expect((await call(ef, "POST", "/graphs/checkEdges", { body: [{ label: "friends", direction: "sideways", from: 1, to: 5 }] })).status).toBe(400);
      const tooMany = Array.from({ length: 1001 }, () => ({ label: "friends", from: 1, to: 5 }));
      expect((await call(ef, "POST", "/graphs/checkEdges", { body: tooMany })).status).toBe(413);
    });

    test(`api: ${engine}: getVertices fills defaults from the column schema, hostile ids included`, async () => {
      const r = await call(ef, "POST", "/graphs/getVertices", { body: [{ serviceName: "kakao", columnName: "member", ids: hostile.slice(0, 4) }] });
      expect(r.status).toBe(200);
      const byId = new Map(r.body.map((v: { id: string }) => [v.id, v]));
      expect(byId.size).toBe(4);
      expect((byId.get(hostile[0]!) as { props: Record<string, unknown> }).props).toEqual({ age: 18, nick: hostile[3] });
      expect((byId.get(hostile[1]!) as { props: Record<string, unknown> }).props).toEqual({ age: 31, nick: "" });
    });

    test(`api: ${engine}: a service token reads only its own labels`, async () => {
      const denied = await call(ef, "POST", "/graphs/getEdges", { token: foreignToken, body: queries[0]![1] });
      expect(denied.status).toBe(403);
      const vertices = await call(ef, "POST", "/graphs/getVertices", { token: foreignToken, body: [{ serviceName: "kakao", columnName: "member", ids: [hostile[0]] }] });
      expect(vertices.status).toBe(403);
      const check = await call(ef, "POST", "/graphs/checkEdges", { token: foreignToken, body: [{ label: "friends", from: 1, to: 5 }] });
      expect(check.status).toBe(403);
    });

    test(`api: ${engine}: a where that does not parse is a 400 naming the position`, async () => {
      const r = await call(ef, "POST", "/graphs/getEdges", { body: { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends", where: "since > 3 and (weight < 1" }]] } });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("where_syntax");
      expect(r.body.message).toMatch(/position/);
    });

    test(`api: ${engine}: the analyst view of a label has typed props, as the README's example reads it`, async () => {
      await ef.pipeline.labelsSynced();
      const rows = await ef.store.query<{ from: string; to: string; weight: number; since: string }>(
        "SELECT `from`, `to`, `timestamp`, weight, since FROM label_friends WHERE weight > 0.5 ORDER BY weight DESC, `from`, `to`",
      );
      const expected = written.filter((e) => e.label === "friends").map((e) => ({ ...e, weight: (e.props.weight as number | undefined) ?? 0.5 })).filter((e) => e.weight > 0.5);
      expect(rows.length).toBe(expected.length);
      expect(typeof rows[0]?.weight).toBe("number");
    });

    test(`api: ${engine}: a label deleted and created again under its name reads none of the old label's edges`, async () => {
      const def = { ...defs.views, label: `reborn_${engine}` };
      const oneStep = { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: def.label, limit: 10 }]] };
      const toOf = async (): Promise<unknown[]> => (await call(ef, "POST", "/graphs/getEdges", { body: oneStep })).body.results.map((e: { to: unknown }) => e.to);
      expect((await call(ef, "POST", "/graphs/createLabel", { body: def })).status).toBe(200);
      const first = ef.registry.label(def.label);
      // A fresh name: nothing of an older label to skip.
      expect(first?.formerIds).toEqual([]);
      await call(ef, "POST", "/graphs/edges/insertWithWait", { body: [{ label: def.label, from: 1, to: "old", timestamp: 10, props: {} }] });
      expect(await toOf()).toEqual(["old"]);
      expect((await call(ef, "PUT", `/graphs/deleteLabelReally/${def.label}`)).status).toBe(200);
      expect((await call(ef, "POST", "/graphs/createLabel", { body: def })).status).toBe(200);
      expect(ef.registry.label(def.label)?.formerIds).toEqual([first?.id ?? -1]);
      expect(await toOf()).toEqual([]);
      await call(ef, "POST", "/graphs/edges/insertWithWait", { body: [{ label: def.label, from: 1, to: "new", timestamp: 5, props: {} }] });
      expect(await toOf()).toEqual(["new"]);
    });

    test(`api: ${engine}: /v1/stats reports freshness after writes`, async () => {
      const r = await call(ef, "GET", "/v1/stats");
      expect(r.status).toBe(200);
      expect(r.body.freshnessSeconds.samples).toBeGreaterThan(0);
      expect(r.body.sink.backlogRows).toBe(0);
    });
  });
}
