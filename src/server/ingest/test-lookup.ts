/**
 * Test support: a `SchemaLookup` built from plain objects, with defaults for the fields a test
 * does not care about. Not exported from the module's front door.
 */
import type { ColumnDef, LabelDef, PropDef, SchemaLookup, ServiceDef } from "../../lib/index.ts";

export type LabelSpec = Partial<LabelDef> & Pick<LabelDef, "label">;
export type ColumnSpec = Partial<ColumnDef> & Pick<ColumnDef, "serviceName" | "columnName">;

export interface TestLookup extends SchemaLookup {
  version: number;
  setLabel(spec: LabelSpec): void;
}

export function prop(name: string, dataType: PropDef["dataType"], defaultValue: PropDef["defaultValue"] = dataType === "string" ? "" : dataType === "boolean" ? false : 0): PropDef {
  return { name, dataType, defaultValue };
}

export function labelDef(spec: LabelSpec): LabelDef {
  return {
    id: 1, srcServiceName: "s1", srcColumnName: "user_id", srcColumnType: "long",
    tgtServiceName: "s1", tgtColumnName: "item_id", tgtColumnType: "long",
    serviceName: "s1", isDirected: true, consistencyLevel: "weak", props: [], indices: [],
    extraProps: "reject", createdAtMs: 0, version: 1, ...spec,
  };
}

export function testLookup(spec: { services?: string[]; columns?: ColumnSpec[]; labels?: LabelSpec[] }): TestLookup {
  const services = new Map<string, ServiceDef>();
  for (const [i, name] of (spec.services ?? []).entries()) {
    services.set(name, { id: i + 1, serviceName: name, accessTokenHash: "0".repeat(64), createdAtMs: 0 });
  }
  const columns = new Map<string, ColumnDef>();
  for (const c of spec.columns ?? []) columns.set(`${c.serviceName}/${c.columnName}`, { columnType: "long", props: [], ...c });
  const labels = new Map<string, LabelDef>();
  for (const l of spec.labels ?? []) labels.set(l.label, labelDef(l));
  return {
    version: 1,
    service: (name) => services.get(name),
    column: (serviceName, columnName) => columns.get(`${serviceName}/${columnName}`),
    label: (name) => labels.get(name),
    setLabel(l) {
      labels.set(l.label, labelDef(l));
      this.version++;
    },
  };
}

/**
 * The registry most tests use. Service `s1` owns `view` (user_id long → item_id long, weak),
 * `follow` (user_id → user_id, strong), `tagged` (string ids → long ids, extra props dropped);
 * service `s2` owns `s2_like`, so tenant tests can mix the two.
 */
export function standardLookup(): TestLookup {
  return testLookup({
    services: ["s1", "s2"],
    columns: [
      { serviceName: "s1", columnName: "user_id", columnType: "long", props: [prop("age", "integer"), prop("nick", "string"), prop("vip", "boolean")] },
      { serviceName: "s1", columnName: "item_id", columnType: "long" },
      { serviceName: "s1", columnName: "page", columnType: "string", props: [prop("title", "string")] },
      { serviceName: "s2", columnName: "user_id", columnType: "long" },
    ],
    labels: [
      { label: "view", props: [prop("dur_ms", "long"), prop("platform", "string"), prop("score", "double"), prop("seen", "boolean")] },
      { label: "follow", srcColumnName: "user_id", tgtColumnName: "user_id", consistencyLevel: "strong", props: [prop("weight", "integer"), prop("note", "string")] },
      { label: "tagged", srcColumnType: "string", srcColumnName: "page", tgtColumnType: "long", extraProps: "drop", props: [prop("tag", "string")] },
      { label: "s2_like", serviceName: "s2", srcServiceName: "s2", tgtServiceName: "s2", props: [prop("n", "integer")] },
    ],
  });
}
