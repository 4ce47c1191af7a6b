import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../../lib/index.ts";
import { parseGetEdges } from "./parse-query.ts";
import type { GetEdgesPlan, LabelParamPlan, QueryPlan, StepPlan } from "./plan.ts";
import { label, lookup, prop, s2Test, viewed } from "./test-fixtures.ts";

const nowMs = 1_700_000_000_000;
const day = 86_400_000;
const schema = lookup();
const src = [{ serviceName: "s2graph", columnName: "user_id", id: 1 }];

function plan(body: unknown, hardLimit?: number): GetEdgesPlan {
  return parseGetEdges(body, schema, hardLimit === undefined ? { nowMs } : { nowMs, hardLimit });
}

function query(body: unknown): QueryPlan {
  const p = plan(body);
  if (p.body.kind !== "query") throw new Error(`expected a single query, got ${p.body.kind}`);
  return p.body.query;
}

function param(entry: Record<string, unknown>, extra: Record<string, unknown> = {}): LabelParamPlan {
  return query({ srcVertices: src, steps: [[{ label: "s2_test", ...entry }]], ...extra }).steps[0]?.params[0] as LabelParamPlan;
}

function failure(body: unknown, hardLimit?: number): EdgeflowError {
  try {
    plan(body, hardLimit);
  } catch (e) {
    if (e instanceof EdgeflowError) return e;
    throw e;
  }
  throw new Error("expected the body to be refused");
}

describe("query: parse: defaults", () => {
  test("query: parse: every query option has S2Graph's default", () => {
    const q = query({ srcVertices: src, steps: [[{ label: "s2_test" }]] });
    expect(q.options).toEqual({
      select: [], orderBy: [], groupBy: null, filterOut: null, filterOutFields: ["_to"], removeCycle: true,
      withScore: true, returnTree: false, returnDegree: true, returnAgg: true, limit: null,
      scoreThreshold: Number.NEGATIVE_INFINITY, shouldPropagateScore: true, ignorePrevStepCache: false,
    });
    expect(q.srcVertices).toEqual([{ serviceName: "s2graph", columnName: "user_id", id: 1 }]);
  });

  test("query: parse: every step option has S2Graph's default", () => {
    const step = query({ srcVertices: src, steps: [{ step: [{ label: "s2_test" }] }] }).steps[0] as StepPlan;
    expect({ ...step, params: [] }).toEqual({ params: [], labelWeights: {}, nextStepLimit: -1, nextStepThreshold: Number.NEGATIVE_INFINITY, cacheTtlMs: -1, groupBy: null });
  });

  test("query: parse: every label option has S2Graph's default", () => {
    const p = param({});
    expect({ ...p, label: p.label.label }).toEqual({
      label: "s2_test", direction: "out", undirected: false, index: { name: "idx_1", propNames: ["weight"] },
      offset: 0, limit: 100, where: null, whereText: null, to: null, duration: null, interval: null,
      scoring: [], timeDecay: null, threshold: Number.NEGATIVE_INFINITY, duplicate: "first", exclude: false, include: false,
      transform: [["_to"]], scorePropagateOp: "multiply", scorePropagateShrinkage: 500, sample: -1, normalize: false,
      includeDegree: true, cacheTtlMs: -1, cursor: null, labelWeight: 1,
    });
  });

  test("query: parse: _PK is the first index, or _timestamp when the label has none", () => {
    expect(param({ index: "_PK" }).index).toEqual({ name: "idx_1", propNames: ["weight"] });
    const q = query({ srcVertices: src, steps: [[{ label: "follow" }]] });
    expect(q.steps[0]?.params[0]?.index).toEqual({ name: "_PK", propNames: ["_timestamp"] });
  });

  test("query: parse: timeDecay defaults to initial 1, decayRate 0.1, timeUnit 86400, _timestamp", () => {
    expect(param({ timeDecay: {} }).timeDecay).toEqual({ initial: 1, decayRate: 0.1, timeUnit: 86_400, propName: "_timestamp" });
  });
});

describe("query: parse: label options", () => {
  test("query: parse: limit defaults to 100 (S2Graph's code; its docs say 10)", () => {
    expect(param({}).limit).toBe(100);
  });

  test("query: parse: a negative limit means the hard limit, and every limit is capped by it", () => {
    expect(param({ limit: -1 }).limit).toBe(100_000);
    expect(param({ limit: 250_000 }).limit).toBe(100_000);
    expect(param({ limit: 7 }).limit).toBe(7);
    const p = plan({ srcVertices: src, steps: [[{ label: "s2_test", limit: -1 }, { label: "s2_test", limit: 500 }]] }, 300);
    const params = p.body.kind === "query" ? p.body.query.steps[0]?.params : [];
    expect(params?.map((x) => x.limit)).toEqual([300, 300]);
  });

  test("query: parse: every label option read when given", () => {
    const p = param({
      direction: "in", index: "idx_2", offset: 5, limit: 20, where: "weight > 3", has: { is_hidden: false }, _to: "9",
      duration: { from: 10, to: 20 }, interval: { from: { _timestamp: 1 }, to: { _timestamp: 9 } }, scoring: { weight: 2 },
      timeDecay: { initial: 2, decayRate: 0.5, timeUnit: 1000, propName: "time" }, threshold: 0.5, duplicate: "sum",
      exclude: true, include: true, transform: [["_to"], ["time"]], scorePropagateOp: "divide", scorePropagateShrinkage: 10,
      sample: 3, normalize: true, includeDegree: false, cacheTTL: 60_000, cursor: "abc", rpcTimeout: 1000, maxAttempt: 3,
    });
    expect({ ...p, label: p.label.label, where: p.where?.kind }).toEqual({
      label: "s2_test", direction: "in", undirected: false, index: { name: "idx_2", propNames: ["_timestamp"] }, offset: 5, limit: 20,
      where: "and", whereText: "weight > 3", to: 9, duration: { fromMs: 10, toMs: 20 },
      interval: { from: [{ prop: "_timestamp", dataType: "long", value: { kind: "literal", value: 1 } }], to: [{ prop: "_timestamp", dataType: "long", value: { kind: "literal", value: 9 } }] },
      scoring: [{ prop: "weight", weight: 2 }], timeDecay: { initial: 2, decayRate: 0.5, timeUnit: 1000, propName: "time" },
      threshold: 0.5, duplicate: "sum", exclude: true, include: true, transform: [["_to"], ["time"]],
      scorePropagateOp: "divide", scorePropagateShrinkage: 10, sample: 3, normalize: true, includeDegree: false,
      cacheTtlMs: 60_000, cursor: "abc", labelWeight: 1,
    });
  });

  test("query: parse: direction takes S2Graph's aliases in any case", () => {
    expect(param({ direction: " IN " }).direction).toBe("in");
    expect(param({ direction: "o" }).direction).toBe("out");
    expect(param({ direction: "directed" }).direction).toBe("out");
    const e = failure({ srcVertices: src, steps: [[{ label: "s2_test", direction: "both" }]] });
    expect([e.code, e.detail.path]).toEqual(["invalid_direction", "steps[0][0].direction"]);
  });

  test("query: parse: an undirected label is marked", () => {
    const q = query({ srcVertices: [{ serviceName: "s2graph", columnName: "item_id", id: "i1" }], steps: [[{ label: "tagged" }]] });
    expect(q.steps[0]?.params[0]?.undirected).toBe(true);
  });

  test("query: parse: has becomes equality in the where tree, and-ed with the where text", () => {
    const p = param({ where: "time > 1", has: { is_hidden: "true", _to: 3 } });
    expect(p.where).toEqual({
      kind: "and",
      left: { kind: "and", left: { kind: "compare", op: ">", left: { kind: "prop", depth: 0, name: "time", dataType: "long" }, right: { kind: "literal", value: 1 } },
        right: { kind: "compare", op: "=", left: { kind: "prop", depth: 0, name: "is_hidden", dataType: "boolean" }, right: { kind: "literal", value: true } } },
      right: { kind: "compare", op: "=", left: { kind: "prop", depth: 0, name: "_to", dataType: "long" }, right: { kind: "literal", value: 3 } },
    });
  });

  test("query: parse: duration reads numbers and templates; from must not pass to", () => {
    expect(param({ duration: { from: "${now - 1 day}", to: "${now}" } }).duration).toEqual({ fromMs: nowMs - day, toMs: nowMs });
    expect(param({ duration: { from: 10.9, to: "20" } }).duration).toEqual({ fromMs: 10, toMs: 20 });
    expect(param({ duration: { from: null, to: 5 } }).duration).toEqual({ fromMs: null, toMs: 5 });
    const e = failure({ srcVertices: src, steps: [[{ label: "s2_test", duration: { from: 20, to: 10 } }]] });
    expect([e.code, e.detail.path]).toEqual(["invalid_duration", "steps[0][0].duration"]);
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", duration: { from: 1 } }]] }).code).toBe("missing_field");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", duration: { from: "${soon}", to: 1 } }]] }).code).toBe("invalid_template");
  });

  test("query: parse: interval bounds name a prefix of the index, in index order", () => {
    const p = param({ index: "idx_wt", interval: { from: [{ time: 1 }, { weight: 5 }], to: { weight: "9" } } });
    expect(p.interval).toEqual({
      from: [{ prop: "weight", dataType: "long", value: { kind: "literal", value: 5 } }, { prop: "time", dataType: "long", value: { kind: "literal", value: 1 } }],
      to: [{ prop: "weight", dataType: "long", value: { kind: "literal", value: 9 } }],
    });
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", index: "idx_wt", interval: { from: { time: 1 }, to: { time: 2 } } }]] }).code).toBe("invalid_interval");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", interval: { from: { weight: 1 } } }]] }).code).toBe("invalid_interval");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", interval: { from: { weight: "x" }, to: { weight: 1 } } }]] }).code).toBe("invalid_value");
  });

  test("query: parse: an interval bound may name the parent edge's prop with an offset", () => {
    const q = query({
      srcVertices: src,
      steps: [[{ label: "s2_test" }], [{ label: "s2_test", index: "idx_2", interval: { from: { _timestamp: "${_parent._timestamp}" }, to: { _timestamp: "${_parent._timestamp + 3 hour}" } } }]],
    });
    expect(q.steps[1]?.params[0]?.interval).toEqual({
      from: [{ prop: "_timestamp", dataType: "long", value: { kind: "parent", depth: 1, prop: "_timestamp", offset: 0 } }],
      to: [{ prop: "_timestamp", dataType: "long", value: { kind: "parent", depth: 1, prop: "_timestamp", offset: 3 * 3_600_000 } }],
    });
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", index: "idx_2", interval: { from: { _timestamp: "${_parent._timestamp}" }, to: { _timestamp: 1 } } }]] }).code).toBe("parent_out_of_range");
  });

  test("query: parse: scoring ignores unknown props with a warning, as S2Graph", () => {
    const p = plan({ srcVertices: src, steps: [[{ label: "s2_test", scoring: { weight: 1.5, colour: 2, timestamp: 1 } }]] });
    const params = p.body.kind === "query" ? p.body.query.steps[0]?.params : [];
    expect(params?.[0]?.scoring).toEqual([{ prop: "weight", weight: 1.5 }, { prop: "_timestamp", weight: 1 }]);
    expect(p.warnings.map((w) => [w.code, w.path])).toEqual([["unknown_scoring_prop", "steps[0][0].scoring.colour"]]);
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", scoring: { weight: "1" } }]] }).code).toBe("invalid_type");
  });

  test("query: parse: an unknown duplicate policy means first (the docs' scoreSum), with a warning", () => {
    const p = plan({ srcVertices: src, steps: [[{ label: "s2_test", duplicate: "scoreSum" }]] });
    expect(p.body.kind === "query" ? p.body.query.steps[0]?.params[0]?.duplicate : undefined).toBe("first");
    expect(p.warnings[0]?.code).toBe("unknown_duplicate_policy");
    for (const d of ["first", "sum", "countSum", "raw"]) expect(param({ duplicate: d }).duplicate).toBe(d as LabelParamPlan["duplicate"]);
  });

  test("query: parse: decayRate must lie strictly between 0 and 1", () => {
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", timeDecay: { decayRate: 1 } }]] }).code).toBe("invalid_decay_rate");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", timeDecay: { timeUnit: 0 } }]] }).code).toBe("invalid_time_unit");
  });

  test("query: parse: outputField is a one-field transform; a malformed transform is refused", () => {
    expect(param({ outputField: "weight" }).transform).toEqual([["weight"]]);
    expect(param({ transform: [["time.$", "time"]] }).transform).toEqual([["time.$", "time"]]);
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", transform: ["_to"] }]] }).code).toBe("invalid_transform");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", transform: [["colour"]] }]] }).code).toBe("unknown_prop");
  });

  test("query: parse: _to is coerced to the type of the far column", () => {
    expect(param({ _to: "42" }).to).toBe(42);
    const q = query({ srcVertices: src, steps: [[{ label: "viewed", _to: 42 }]] });
    expect(q.steps[0]?.params[0]?.to).toBe("42");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", _to: "abc" }]] }).code).toBe("invalid_id");
  });

  test("query: parse: a where error names its JSON path and position", () => {
    const e = failure({ srcVertices: src, steps: [{ step: [{ label: "s2_test" }, { label: "s2_test", where: "weight >" }] }] });
    expect(e.code).toBe("where_syntax");
    expect(e.message).toStartWith("steps[0].step[1].where: expected a value at position 8");
    expect(e.detail).toMatchObject({ path: "steps[0].step[1].where", position: 8 });
  });

  test("query: parse: where may refer to the step before, typed by its label, but not further back", () => {
    const q = query({ srcVertices: src, steps: [[{ label: "viewed" }], [{ label: "s2_test", where: "_parent.rating > 1 and _timestamp > _parent._timestamp" }]] });
    expect(q.steps[1]?.params[0]?.where).toMatchObject({ left: { left: { depth: 1, name: "rating", dataType: "double" } } });
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", where: "_parent.weight = 1" }]] }).code).toBe("parent_out_of_range");
  });
});

describe("query: parse: query options", () => {
  test("query: parse: every query option read when given", () => {
    const q = query({
      srcVertices: src, steps: [[{ label: "s2_test" }]], select: ["from", "to", "weight"], orderBy: [{ score: "desc" }, { timestamp: "ASC" }],
      groupBy: { keys: ["to"], limit: 5, minimumShouldMatch: { prop: "weight", count: 2, terms: [1, "x"] } },
      filterOutFields: ["_to", "weight"], removeCycle: false, withScore: false, returnTree: true, returnDegree: false, returnAgg: false,
      limit: 10, scoreThreshold: 2.5, shouldPropagateScore: false, ignorePrevStepCache: true, unknownOption: { anything: 1 },
    });
    expect(q.options).toEqual({
      select: ["from", "to", "weight"], orderBy: [{ key: "score", ascending: false }, { key: "timestamp", ascending: true }],
      groupBy: { keys: ["to"], limit: 5, minimumShouldMatch: { prop: "weight", count: 2, terms: [1, "x"] } },
      filterOut: null, filterOutFields: ["_to", "weight"], removeCycle: false, withScore: false, returnTree: true, returnDegree: false,
      returnAgg: false, limit: 10, scoreThreshold: 2.5, shouldPropagateScore: false, ignorePrevStepCache: true,
    });
  });

  test("query: parse: groupBy as an array is unlimited; as an object its limit defaults to the hard limit", () => {
    expect(query({ srcVertices: src, steps: [[{ label: "s2_test" }]], groupBy: ["to"] }).options.groupBy).toEqual({ keys: ["to"], limit: Number.POSITIVE_INFINITY, minimumShouldMatch: null });
    expect(query({ srcVertices: src, steps: [[{ label: "s2_test" }]], groupBy: { keys: ["to"] } }).options.groupBy).toEqual({ keys: ["to"], limit: 100_000, minimumShouldMatch: null });
    expect(query({ srcVertices: src, steps: [[{ label: "s2_test" }]], groupBy: { keys: ["to"], minimumShouldMatch: {} } }).options.groupBy?.minimumShouldMatch).toEqual({ prop: "to", count: 0, terms: [] });
    expect(query({ srcVertices: src, steps: [[{ label: "s2_test" }]], groupBy: [] }).options.groupBy).toBeNull();
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test" }]], groupBy: "to" }).code).toBe("invalid_type");
  });

  test("query: parse: orderBy takes ASC or DESC in any case", () => {
    const e = failure({ srcVertices: src, steps: [[{ label: "s2_test" }]], orderBy: [{ score: "down" }] });
    expect([e.code, e.detail.path]).toEqual(["invalid_order", "orderBy[0].score"]);
  });

  test("query: parse: the filterOut query selects and matches on the outer filterOutFields", () => {
    const q = query({ srcVertices: src, steps: [[{ label: "s2_test" }]], filterOutFields: ["_to", "weight"], filterOut: { srcVertices: src, steps: [[{ label: "s2_test", limit: 10 }]] } });
    expect(q.options.filterOut?.options.filterOutFields).toEqual(["_to", "weight"]);
    expect(q.options.filterOut?.options.select).toEqual(["_to", "weight"]);
    expect(q.options.filterOut?.steps[0]?.params[0]?.limit).toBe(10);
  });

  test("query: parse: the step object reads weights per label into each param", () => {
    const q = query({ srcVertices: src, steps: [{ step: [{ label: "s2_test" }, { label: "s2_test2" }], weights: { s2_test: 2.5, nope: 1 }, nextStepLimit: 10, nextStepThreshold: 0.1, cacheTTL: 100, groupBy: ["to"] }] });
    const step = q.steps[0] as StepPlan;
    expect(step.params.map((p) => p.labelWeight)).toEqual([2.5, 1]);
    expect({ ...step, params: [] }).toEqual({ params: [], labelWeights: { s2_test: 2.5 }, nextStepLimit: 10, nextStepThreshold: 0.1, cacheTtlMs: 100, groupBy: { keys: ["to"], limit: Number.POSITIVE_INFINITY, minimumShouldMatch: null } });
  });

  test("query: parse: sample on a step is ignored with a warning, as S2Graph reads it per label", () => {
    const p = plan({ srcVertices: src, steps: [{ step: [{ label: "s2_test" }], sample: 2 }] });
    expect(p.warnings.map((w) => [w.code, w.path])).toEqual([["step_sample_ignored", "steps[0].sample"]]);
    expect(p.body.kind === "query" ? p.body.query.steps[0]?.params[0]?.sample : 0).toBe(-1);
  });

  test("query: parse: null is absent and unknown keys are ignored", () => {
    const p = param({ limit: null, where: null, colour: "red" }, { select: null, whatever: [1] });
    expect([p.limit, p.where]).toEqual([100, null]);
  });
});

describe("query: parse: source vertices", () => {
  test("query: parse: id and ids combine, coerced to the column type", () => {
    const q = query({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", id: "7", ids: [8, "9"] }], steps: [[{ label: "s2_test" }]] });
    expect(q.srcVertices.map((v) => v.id)).toEqual([7, 8, 9]);
    const e = failure({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [1, "x"] }], steps: [[{ label: "s2_test" }]] });
    expect([e.code, e.detail.path]).toEqual(["invalid_id", "srcVertices[0].ids[1]"]);
  });

  test("query: parse: a query needs at least one source id", () => {
    expect(failure({ srcVertices: [], steps: [[{ label: "s2_test" }]] }).code).toBe("empty_src_vertices");
    expect(failure({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [] }], steps: [[{ label: "s2_test" }]] }).code).toBe("empty_src_vertices");
    expect(failure({ steps: [[{ label: "s2_test" }]] }).code).toBe("empty_src_vertices");
  });

  test("query: parse: source vertices must match the side the first step starts from", () => {
    const e = failure({ srcVertices: [{ serviceName: "s2graph", columnName: "item_id", id: "i1" }], steps: [[{ label: "s2_test" }]] });
    expect(e.code).toBe("src_vertex_mismatch");
    expect(e.message).toContain("label s2_test read out starts from s2graph.user_id, but the source vertices are s2graph.item_id");
    const q = query({ srcVertices: [{ serviceName: "s2graph", columnName: "item_id", id: "i1" }], steps: [[{ label: "viewed", direction: "in" }]] });
    expect(q.srcVertices[0]?.id).toBe("i1");
  });

  test("query: parse: a column no first-step label reads and the registry lacks is not_found", () => {
    const e = failure({ srcVertices: [{ serviceName: "s2graph", columnName: "nothing", id: 1 }, ...src], steps: [[{ label: "s2_test" }]] });
    expect([e.kind, e.code]).toEqual(["not_found", "unknown_column"]);
  });
});

describe("query: parse: body shapes", () => {
  const one = { srcVertices: src, steps: [[{ label: "s2_test" }]] };

  test("query: parse: an array of queries", () => {
    const p = plan([one, one]);
    expect(p.body.kind).toBe("array");
    expect(p.body.kind === "array" ? p.body.items.map((i) => i.kind) : []).toEqual(["query", "query"]);
  });

  test("query: parse: a union of named queries keeps the names", () => {
    const p = plan({ union: { a: one, b: { queries: [one] } } });
    expect(p.body.kind === "union" ? p.body.entries.map((e) => [e.key, e.plan.kind]) : []).toEqual([["a", "query"], ["b", "multi"]]);
  });

  test("query: parse: a multi-query: weights default to 1, inner queries unsorted when the outer is scored", () => {
    const p = plan({ queries: [one, one], limit: 10, groupBy: ["weight"] });
    if (p.body.kind !== "multi") throw new Error("expected multi");
    expect(p.body.multi.weights).toEqual([1, 1]);
    expect(p.body.multi.options.limit).toBe(10);
    expect(p.body.multi.queries.map((q) => q.options.withScore)).toEqual([false, false]);
    const weighted = plan({ queries: [one, one], weights: [10, 1] });
    expect(weighted.body.kind === "multi" ? weighted.body.multi.weights : []).toEqual([10, 1]);
  });

  test("query: parse: a multi-query refuses inner groupBy and orderBy, and weights that do not match", () => {
    expect(failure({ queries: [{ ...one, groupBy: ["to"] }] }).code).toBe("multi_query_group_by");
    expect(failure({ queries: [{ ...one, orderBy: [{ score: "DESC" }] }] }).code).toBe("multi_query_order_by");
    expect(failure({ queries: [one, one], weights: [1] }).code).toBe("weights_mismatch");
  });

  test("query: parse: anything but an object or array is refused", () => {
    expect(failure("getEdges").code).toBe("invalid_body");
    expect(failure(null).code).toBe("invalid_body");
    expect(failure([1]).detail.path).toBe("[0]");
    expect(failure({ union: [one] }).code).toBe("invalid_type");
  });
});

describe("query: parse: errors", () => {
  test("query: parse: an unknown label is not_found with its path", () => {
    const e = failure({ srcVertices: src, steps: [[{ label: "s2_test" }], { step: [{ label: "nope" }] }] });
    expect([e.kind, e.code, e.detail.path]).toEqual(["not_found", "unknown_label", "steps[1].step[0].label"]);
    expect(e.message).toBe('steps[1].step[0].label: label "nope" does not exist');
  });

  test("query: parse: an unknown index is refused, naming the label's indices", () => {
    const e = failure({ srcVertices: src, steps: [[{ label: "s2_test", index: "idx_9" }]] });
    expect(e.code).toBe("unknown_index");
    expect(e.message).toContain("_PK, idx_1, idx_2, idx_wt");
  });

  test("query: parse: wrong JSON types name their path", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ limit: "10" }, "steps[0][0].limit"], [{ limit: 1.5 }, "steps[0][0].limit"], [{ where: 5 }, "steps[0][0].where"],
      [{ exclude: "yes" }, "steps[0][0].exclude"], [{ threshold: "high" }, "steps[0][0].threshold"], [{ has: [] }, "steps[0][0].has"],
    ];
    for (const [entry, path] of cases) {
      const e = failure({ srcVertices: src, steps: [[{ label: "s2_test", ...entry }]] });
      expect([e.code, e.detail.path]).toEqual(["invalid_type", path]);
    }
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test" }]], withScore: 1 }).detail.path).toBe("withScore");
  });

  test("query: parse: a step entry without a label is refused (S2Graph skips it)", () => {
    const e = failure({ srcVertices: src, steps: [[{ direction: "out" }]] });
    expect([e.code, e.detail.path]).toEqual(["missing_field", "steps[0][0].label"]);
  });

  test("query: parse: a step must be an array or {step: [...]}", () => {
    expect(failure({ srcVertices: src, steps: ["s2_test"] }).code).toBe("invalid_type");
    expect(failure({ srcVertices: src, steps: [{ weights: {} }] }).code).toBe("missing_field");
    expect(failure({ srcVertices: src }).code).toBe("missing_field");
  });

  test("query: parse: negative offsets and query limits are refused", () => {
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test", offset: -1 }]] }).code).toBe("invalid_offset");
    expect(failure({ srcVertices: src, steps: [[{ label: "s2_test" }]], limit: -1 }).code).toBe("invalid_limit");
  });

  test("query: parse: lists over their limits are too_large", () => {
    const e = failure({ srcVertices: src, steps: Array.from({ length: 33 }, () => [{ label: "s2_test" }]) });
    expect([e.kind, e.code]).toEqual(["too_large", "too_many"]);
    let nested: Record<string, unknown> = { srcVertices: src, steps: [] };
    for (let i = 0; i < 6; i++) nested = { srcVertices: src, steps: [], filterOut: nested };
    expect(failure(nested).code).toBe("too_deep");
  });
});

describe("query: parse: S2Graph's documented example", () => {
  test("query: parse: the example with all major options parses", () => {
    const friends = label({ id: 10, label: "friends", props: [prop("affinity_score", "double"), prop("is_hidden", "boolean"), prop("is_blocked", "boolean")], indices: [{ name: "idx_affinity_timestamp", propNames: ["affinity_score", "_timestamp"] }] });
    const viewedItem = label({ id: 11, label: "user_viewed_item", tgtColumnName: "item_id", tgtColumnType: "long" });
    const body = {
      select: ["from", "to", "label", "score", "timestamp", "affinity_score"], removeCycle: true, returnDegree: true, withScore: true, limit: 20,
      orderBy: [{ score: "DESC" }, { timestamp: "DESC" }], groupBy: { keys: ["to"], limit: 20 }, filterOutFields: ["_to"],
      filterOut: { srcVertices: [{ serviceName: "s2graph", columnName: "user_id", id: 1 }], steps: [{ step: [{ label: "user_viewed_item", direction: "out", limit: 100 }] }] },
      srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [1] }],
      steps: [
        { nextStepLimit: 10, nextStepThreshold: 0.1, weights: { friends: 1.0 }, step: [{
          label: "friends", direction: "out", index: "idx_affinity_timestamp", offset: 0, limit: 50,
          interval: { from: { affinity_score: 100 }, to: { affinity_score: 10 } }, duration: { from: "${now - 30 day}", to: "${now}" },
          where: "is_hidden = false and is_blocked = false", scoring: { affinity_score: 1.0 },
          timeDecay: { initial: 1.0, decayRate: 0.1, timeUnit: 86400000 }, cacheTTL: 60000, rpcTimeout: 200, maxAttempt: 2,
        }] },
        { step: [{ label: "user_viewed_item", direction: "out", limit: 20, duplicate: "sum", where: "_timestamp > _parent._timestamp", scorePropagateOp: "multiply", threshold: 0.0 }] },
      ],
    };
    const p = parseGetEdges(body, lookup([friends, viewedItem]), { nowMs });
    expect(p.warnings).toEqual([]);
    const q = p.body.kind === "query" ? p.body.query : null;
    expect(q?.steps[0]?.params[0]?.duration).toEqual({ fromMs: nowMs - 30 * day, toMs: nowMs });
    expect(q?.steps[1]?.params[0]?.where).toMatchObject({ kind: "compare", op: ">", right: { kind: "prop", depth: 1, name: "_timestamp" } });
    expect(q?.options.filterOut?.steps[0]?.params[0]?.label.label).toBe("user_viewed_item");
  });
});

void s2Test;
void viewed;
