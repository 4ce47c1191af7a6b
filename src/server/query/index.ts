/**
 * The getEdges query language: S2Graph's getEdges DSL parsed into a typed, validated plan, its
 * where language (parse, print, evaluate), and the pure post-processing the executor applies
 * to fetched rows (scores, duplicates, transforms, grouping, ordering, filterOut, multi-query
 * merge, S2Graph's response JSON). No HTTP, no SQL: the ClickHouse executor fetches rows per
 * (frontier vertex, label param) and calls these functions; its results are tested against
 * `referenceFetch`, `evalWhere` and `referenceGetEdges` (a whole plan run in memory, which
 * also shows the order in which to call the helpers).
 *
 * Wire format: every body S2Graph's `RestHandler.getEdgesAsync` accepts: one query object, an
 * array of queries, `{"union": {"name": query}}`, or `{"queries": [...], "weights": [...]}` plus
 * top-level options (a weighted multi-query). Unknown keys are ignored, as S2Graph ignores them;
 * `null` counts as absent. Every malformed input is `EdgeflowError("invalid", code, message)`
 * whose message and `detail.path` name the JSON path (where errors also `detail.position`); an
 * unknown label or column is `not_found`; a list over its limit is `too_large`. Limits: 256
 * queries a body, 32 steps a query, 256 labels a step, 10,000 source ids a query, filterOut
 * nested 4 deep, where texts of 64 KiB / 1,000 conditions / 64 nesting levels.
 *
 * Invariants: `parseWhere(printWhere(ast))` deep-equals `ast` (property-tested); the plan holds
 * every option with its default filled in; all time is relative to the `nowMs` passed in.
 *
 * Where S2Graph's docs and code disagree, the code (HEAD 19254301) decides:
 * - label `limit` defaults to 100 (`RequestParser.defaultLimit`; docs: 10); a negative limit
 *   means the hard limit (`query.hardlimit`, 100,000), and every limit is capped by it.
 * - `timeDecay.timeUnit` defaults to 86400 with the time difference in ms, so it decays per
 *   86.4 s (docs' examples pass 86400000); `decayRate` must lie strictly between 0 and 1; the
 *   factor is `initial * (1 - decayRate) ^ ((now - prop) / timeUnit)`, prop `_timestamp` by
 *   default, an unknown prop falls back to `_timestamp`.
 * - `duplicate`: an unknown policy (the docs' own "scoreSum" example) means `first`;
 *   `first` keeps the first edge in fetch (index) order, `sum`/`countSum` keep it with the sum
 *   of scores / the count; policies apply to weak labels only.
 * - `duration` is `from <= timestamp < to` (HBase's scan bounds; QueryTest "inclusive,
 *   exclusive"); both keys are required; an end that is neither number nor string is open.
 * - `interval` is inclusive at both ends with `from` the lower bound (QueryTest "interval":
 *   from 1000 to 2000 finds both); the docs' example (from 100 to 10) would find nothing.
 * - where: `and` and `or` share one precedence level, left to right (`a or b and c` is
 *   `(a or b) and c`); only single quotes delimit strings (`"x"` is a word with its quotes);
 *   a bare word that names a prop is a reference to it (`_from = time`); keywords are all lower
 *   or all upper case; `contains` tests the value's text form; templates are expanded in place.
 * - templates: pivots now/next_minute/next_hour/next_day/next_week, units minute/hour/day/week,
 *   `${3}` (a count without a unit) means now, `randint(a, b)` includes both ends.
 * - `scoreThreshold` only applies to groupBy groups (`mergeOrdered`); `removeCycle` is parsed
 *   (default true) but not applied, as S2Graph never applies it; `has` is parsed by S2Graph but
 *   never applied either: edgeflow applies it as equality in the where tree, as its brief asks
 *   (see `LabelParamPlan.where`), so a query with `has` can return fewer edges than S2Graph.
 * - `srcVertices` must contain, for each first-step label, a vertex of the column it starts from
 *   (out: source column, in: target column), compared by column name as S2Graph does.
 * - groupBy: object form's `limit` defaults to the hard limit, array form's is unlimited;
 *   `minimumShouldMatch.prop` defaults to "to". Query `limit` cuts groups when grouping.
 * - filterOut: the nested query selects and matches on the outer `filterOutFields` (`["_to"]`).
 * - multi-query: groupBy/orderBy inside its queries is refused; weights default to 1; inner
 *   queries are unsorted when the outer one is scored; merging applies no group limit.
 * - step `nextStepThreshold` defaults to -Infinity (`QueryParam.DefaultThreshold`, not the `Step`
 *   class's 0); `sample` is a label option (docs show it on the step, where it is ignored with a
 *   warning); a step's `weights` for an unknown label are ignored; `scoring` on an unknown prop
 *   is ignored, a non-numeric prop value counts 1; `scorePropagateOp` unknown means multiply;
 *   shrinkage defaults to 500;
 *   `includeDegree` defaults to true but, as in S2Graph, is never consulted; `rpcTimeout` and
 *   `maxAttempt` are accepted and ignored.
 * - a source vertex starts with score (times listed) x (first-step labels), as S2Graph's seed.
 * - the response keeps `_timestamp` beside `timestamp` (`PostProcess.s2EdgeToJsValue`).
 * - direction accepts S2Graph's aliases (o, d, directed, i), in any case.
 *
 * Where edgeflow is deliberately stricter or different (each marked at its code):
 * - a value of the wrong JSON type is refused (S2Graph's `asOpt` reads silently use the
 *   default); so are a step entry without `label` (S2Graph skips it), an unknown index (S2Graph's
 *   fetch fails into an empty result), an interval with one bound (ignored by S2Graph) or over
 *   props that are not a prefix of the index, a malformed transform (S2Graph returns nothing),
 *   `weights` not matching `queries` (S2Graph drops queries), unknown `has` props, negative
 *   offsets and query limits, `_parent` chains longer than the steps before, and unknown
 *   templates (S2Graph leaves garbage text); things S2Graph ignores silently become
 *   `plan.warnings`.
 * - `${now + 1 hour}`, upper case and plural units are accepted (S2Graph only knows `-`).
 * - `threshold` always applies (S2Graph's `buildResult` applies it only when the step has a
 *   duplicate); `sample` keeps order and never drops the first edge; a step's
 *   minimumShouldMatch groups by the step's keys in every step.
 * - where: keywords are whole words (S2Graph's `not` matches the start of `notes`); in quotes
 *   `\\` and `\$` escape too (so any string prints and parses back); quoted words, numbers and
 *   true/false are always literals; numeric props compare with any number (`weight > 2.5`).
 * - interval `${_parent.prop - 3 hour}` offsets work as S2Graph's (ignored) tests expect.
 * - ordering by values of mixed kinds uses a total order (S2Graph throws); response `props`
 *   omit S2Graph's internal metas; templates are not expanded in vertex ids.
 * - undirected labels are marked `undirected` on the param: the executor reads both
 *   orientations of each edge as out-edges.
 */
export { parseGetEdges, type ParseGetEdgesOptions } from "./parse-query.ts";
export { defaultHardLimit, defaultLimit, directionOf } from "./parse-param.ts";
export type {
  DurationPlan, DuplicatePolicy, GetEdgesPlan, GroupByPlan, IndexPlan, IntervalBound, IntervalPlan, IntervalValue,
  LabelParamPlan, MinimumShouldMatch, MultiQueryPlan, OrderKey, PlanBody, PlanWarning, QueryOptionsPlan, QueryPlan,
  RequestPlan, ScorePropagateOp, ScoringWeight, SrcVertexPlan, StepPlan, TimeDecayPlan,
} from "./plan.ts";
export { parseWhere, whereCharsMax, whereNestingMax, wherePredicatesMax, type WhereOptions } from "./where-parse.ts";
export { printWhere, quoteWhereString } from "./where-print.ts";
export { evalWhere, refValue } from "./where-eval.ts";
export type { CompareOp, Direction, LabelSide, Literal, Operand, PropRef, SystemField, WhereAst, WhereEdge } from "./where-ast.ts";
export { evalTemplate, expandTemplates, TemplateError, type TemplateClock } from "./template.ts";
export { compareLoose, compareTyped, typedLiteral, valueKey } from "./values.ts";
export { fieldValue, parentChain, type FetchedEdge } from "./edge.ts";
export { normalizeScores, propagateScore, rankScore, timeDecayFactor } from "./score.ts";
export { isDefaultTransform, transformEdge } from "./transform.ts";
export { boundValue, inDuration, inInterval, indexOrder, referenceFetch } from "./fetch.ts";
export {
  applyDuplicatePolicy, combineStep, nextFrontier, paramsFor, removeCycles, sampleEdges, startFrontier, stepEdges,
  stepGroupByFilter, type FrontierVertex, type ParamEdges, type StepEdgesOptions,
} from "./step.ts";
export { filterOutResult, finishQuery, groupEdges, mergeMultiQuery, orderEdges, type DegreeRow, type EdgeGroup, type QueryResult } from "./result.ts";
export { memoryFetcher, referenceGetEdges, referenceQuery, type ReferenceGraph, type ReferenceOptions } from "./reference.ts";
export { executeGetEdges, executeQuery, type ExecuteOptions, type FetchOptions, type FetchVertex, type ParamFetch, type ParamFetcher } from "./execute.ts";
export { degreeToJson, edgeToJson, emptyGetEdgesJson, toGetEdgesJson, type Json, type JsonRecord, type ResponseOptions } from "./response.ts";
