import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeMutation, type PropValue } from "../../lib/index.ts";
import { decodeNdjson } from "./ndjson.ts";
import { decodeTsv } from "./tsv.ts";
import { clientMutationId, deleteAllMutation, edgeMutation, mutationIdHexLength, vertexMutation } from "./mutation-id.ts";
import { standardLookup } from "./test-lookup.ts";

// Replay a failure with SEED=<seed> (fast-check prints the seed of a failing run).
const seed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const runs = { numRuns: 300, ...(seed === undefined ? {} : { seed }) };

const propValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
const props = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), propValue, { maxKeys: 6 });
const end = fc.oneof(fc.string({ minLength: 1 }), fc.integer());

const edgeArgs = fc.record({
  service: fc.stringMatching(/^[a-z]{1,6}$/),
  label: fc.stringMatching(/^[a-z]{1,6}$/),
  op: fc.constantFrom("insert", "update", "increment", "delete", "insertBulk"),
  ts: fc.nat(),
  from: end,
  to: end,
  props,
});
type EdgeArgs = { service: string; label: string; op: "insert" | "update" | "increment" | "delete" | "insertBulk"; ts: number; from: PropValue; to: PropValue; props: Record<string, PropValue> };
const idOf = (a: EdgeArgs) => edgeMutation(a.service, a.label, a.op, a.ts, a.from, a.to, a.props).mutation.id;

function shuffled<T>(items: T[], order: number[]): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = (order[i % order.length] ?? 0) % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe("ingest: mutation ids", () => {
  test("ingest: mutation ids: an id is 32 hex digits and the same input gives the same id", () => {
    fc.assert(fc.property(edgeArgs, (a) => {
      const id = idOf(a);
      expect(id).toMatch(new RegExp(`^[0-9a-f]{${mutationIdHexLength}}$`));
      expect(idOf(structuredClone(a))).toBe(id);
    }), runs);
  });

  test("ingest: mutation ids: the key order of props does not change the id", () => {
    fc.assert(fc.property(edgeArgs, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (a, order) => {
      const reordered = Object.fromEntries(shuffled(Object.entries(a.props), order));
      expect(idOf({ ...a, props: reordered })).toBe(idOf(a));
    }), runs);
  });

  test("ingest: mutation ids: changing any field changes the id", () => {
    const field = fc.constantFrom("service", "label", "op", "ts", "from", "to", "propValue", "propKey", "propAdded");
    fc.assert(fc.property(edgeArgs, field, fc.string({ minLength: 1, maxLength: 4 }), (a, which, salt) => {
      const b: EdgeArgs = { ...a, props: { ...a.props } };
      switch (which) {
        case "service": b.service = `${a.service}${salt}`; break;
        case "label": b.label = `${a.label}${salt}`; break;
        case "op": b.op = a.op === "insert" ? "update" : "insert"; break;
        case "ts": b.ts = a.ts + 1; break;
        case "from": b.from = typeof a.from === "number" ? String(a.from) : `${a.from}${salt}`; break;
        case "to": b.to = typeof a.to === "number" ? a.to + 1 : `${a.to}${salt}`; break;
        case "propValue": {
          const key = Object.keys(a.props)[0];
          if (key === undefined) b.props = { k: salt };
          else b.props[key] = typeof a.props[key] === "string" ? `${a.props[key]}${salt}` : `${String(a.props[key])}`;
          break;
        }
        case "propKey": {
          const key = Object.keys(a.props)[0];
          if (key === undefined) b.props = { k: 1 };
          else {
            const value = a.props[key] as PropValue;
            delete b.props[key];
            b.props[`${key}_${salt.length}x`] = value;
          }
          break;
        }
        case "propAdded": b.props[`zz_${salt.length}`] = salt; break;
      }
      expect(idOf(b)).not.toBe(idOf(a));
    }), runs);
  });

  test("ingest: mutation ids: kinds and tenants never share an id space", () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.nat(), (clientId, ts) => {
      expect(clientMutationId({ service: "s1", clientId })).not.toBe(clientMutationId({ service: "s2", clientId }));
      expect(clientMutationId({ service: "s1", clientId })).not.toBe(clientMutationId({ service: "s1", clientId, fanoutIndex: 0 }));
      expect(edgeMutation("s", "l", "insert", ts, 1, 1, {}).mutation.id).not.toBe(vertexMutation("s", "l", "insert", ts, 1, {}).mutation.id);
      expect(deleteAllMutation("s", "l", ts, 1, "out").mutation.id).not.toBe(deleteAllMutation("s", "l", ts, 1, "in").mutation.id);
    }), runs);
  });

  test("ingest: mutation ids: the WAL record is the mutation as JSON, id first, and the id hashes the rest", () => {
    const encoder = new TextEncoder();
    fc.assert(fc.property(edgeArgs, fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (a, clientId) => {
      const made = edgeMutation(a.service, a.label, a.op, a.ts, a.from, a.to, a.props, clientId === undefined ? undefined : { service: a.service, clientId });
      expect(made.record.startsWith(`{"id":"${made.mutation.id}",`)).toBe(true);
      // As JSON has it: -0 is written 0, as every stored value is (encode.ts's valueText).
      expect(decodeMutation(encoder.encode(made.record))).toEqual(JSON.parse(JSON.stringify(made.mutation)));
      const rest = `{${made.record.slice(`{"id":"${made.mutation.id}",`.length)}`;
      const hashed = Bun.SHA256.hash(rest, "hex").slice(0, mutationIdHexLength);
      expect(hashed === made.mutation.id).toBe(clientId === undefined);
    }), runs);
  });

  test("ingest: mutation ids: decoded rows get the same id however the same mutation was written", () => {
    const lookup = standardLookup();
    const lines = [
      '{"timestamp":5,"from":1,"to":2,"label":"view","props":{"dur_ms":3,"platform":"ios"}}',
      '{"props":{"platform":"ios","dur_ms":"3"},"label":"view","to":"2","from":"1","timestamp":"5"}',
      '{"timestamp":5,"from":2,"to":1,"direction":"in","label":"view","props":{"platform":"ios","dur_ms":3,"_timestamp":5}}',
    ];
    const tsv = "5\tinsert\te\t1\t2\tview\t{\"platform\":\"ios\",\"dur_ms\":3}";
    const rows = [...decodeNdjson(lines.join("\n"), { lookup, receivedAtMs: 0 }).rows, ...decodeTsv(tsv, { lookup, receivedAtMs: 0 }).rows];
    const ids = rows.map((r) => (r.ok ? r.mutation.id : r.code));
    expect(ids.length).toBe(4);
    expect(new Set(ids).size).toBe(1);
  });
});
