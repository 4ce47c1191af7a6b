/**
 * The schema registry: services, service columns and labels, persisted in LMDB under the data
 * dir and held in memory for lookups on the hot path.
 *
 * Invariants:
 * - every definition in LMDB passed the rules of `lib/schema` before it was written;
 * - writes go through one LMDB transaction each, so a crash never leaves half a change;
 * - `version` grows with every change (it is persisted), so caches built from the registry
 *   (validators, DDL) can tell when to rebuild;
 * - service access tokens and the admin token are stored only as SHA-256 hashes.
 *
 * Keys: `service/<name>`, `column/<service>/<column>`, `label/<name>`, `meta/<key>`, and
 * `former/<label name>`: the ids of the labels of that name deleted here (a new label of the name
 * carries them as `formerIds`, so reads skip their rows; in a registry from before the record,
 * `meta/formers` = "unknown", only those deleted since).
 */
import { open, type RootDatabase } from "lmdb";
import path from "node:path";
import fs from "node:fs";
import {
  EdgeflowError,
  checkName,
  parseDataType,
  parseIndexDefs,
  parsePropDef,
  parsePropDefs,
  type ColumnDef,
  type ConsistencyLevel,
  type ExtraPropsPolicy,
  type IndexDef,
  type LabelDef,
  type PropDef,
  type SchemaLookup,
  type ServiceDef,
} from "../../lib/index.ts";

export interface CreateServiceInput {
  serviceName: string;
  accessTokenHash: string;
}

export type RegistryChange =
  | { kind: "label"; label: LabelDef }
  | { kind: "label_deleted"; label: LabelDef }
  | { kind: "service"; service: ServiceDef }
  | { kind: "column"; column: ColumnDef };

export class Registry implements SchemaLookup {
  private readonly db: RootDatabase;
  private readonly services = new Map<string, ServiceDef>();
  private readonly servicesByTokenHash = new Map<string, ServiceDef>();
  private readonly columns = new Map<string, ColumnDef>();
  private readonly labels = new Map<string, LabelDef>();
  private readonly listeners: Array<(change: RegistryChange) => void> = [];
  private versionValue = 0;
  private readonly now: () => number;
  /** Whether every label ever deleted here left a `former/` key (false for a registry from before them). */
  private readonly formersRecorded: boolean;

  private constructor(db: RootDatabase, now: () => number) {
    this.db = db;
    this.now = now;
    for (const { key, value } of db.getRange({})) this.loadEntry(String(key), value);
    this.versionValue = Number(db.get("meta/version") ?? 0);
    // A registry from before `former/` keys may have deleted labels it has no record of.
    if (db.get(formersKey) === undefined) db.putSync(formersKey, this.versionValue === 0 ? "recorded" : "unknown");
    this.formersRecorded = db.get(formersKey) === "recorded";
  }

  static open(dataDir: string, deps: { now?: () => number } = {}): Registry {
    const dir = path.join(dataDir, "registry");
    fs.mkdirSync(dir, { recursive: true });
    // Schema changes are rare and must survive power loss, so every commit syncs.
    const db = open({ path: dir, compression: false, noSync: false });
    return new Registry(db, deps.now ?? Date.now);
  }

  private loadEntry(key: string, value: unknown): void {
    if (key.startsWith("service/")) {
      const s = value as ServiceDef;
      this.services.set(s.serviceName, s);
      this.servicesByTokenHash.set(s.accessTokenHash, s);
    } else if (key.startsWith("column/")) {
      const c = value as ColumnDef;
      this.columns.set(columnKey(c.serviceName, c.columnName), c);
    } else if (key.startsWith("label/")) {
      const l = value as LabelDef;
      this.labels.set(l.label, l);
    }
  }

  get version(): number {
    return this.versionValue;
  }

  onChange(listener: (change: RegistryChange) => void): void {
    this.listeners.push(listener);
  }

  service(name: string): ServiceDef | undefined {
    return this.services.get(name);
  }

  serviceByTokenHash(hash: string): ServiceDef | undefined {
    return this.servicesByTokenHash.get(hash);
  }

  column(serviceName: string, columnName: string): ColumnDef | undefined {
    return this.columns.get(columnKey(serviceName, columnName));
  }

  label(name: string): LabelDef | undefined {
    return this.labels.get(name);
  }

  allLabels(): LabelDef[] {
    return [...this.labels.values()];
  }

  allServices(): ServiceDef[] {
    return [...this.services.values()];
  }

  columnsOf(serviceName: string): ColumnDef[] {
    return [...this.columns.values()].filter((c) => c.serviceName === serviceName);
  }

  getMeta(key: string): string | undefined {
    const value = this.db.get(`meta/${key}`);
    return typeof value === "string" ? value : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.put(`meta/${key}`, value);
  }

  requireService(name: string): ServiceDef {
    const s = this.services.get(name);
    if (!s) throw new EdgeflowError("not_found", "unknown_service", `service ${JSON.stringify(name)} does not exist`);
    return s;
  }

  requireColumn(serviceName: string, columnName: string): ColumnDef {
    this.requireService(serviceName);
    const c = this.column(serviceName, columnName);
    if (!c) throw new EdgeflowError("not_found", "unknown_column", `column ${JSON.stringify(columnName)} does not exist in service ${JSON.stringify(serviceName)}`);
    return c;
  }

  requireLabel(name: string): LabelDef {
    const l = this.labels.get(name);
    if (!l) throw new EdgeflowError("not_found", "unknown_label", `label ${JSON.stringify(name)} does not exist`);
    return l;
  }

  /** Writes entries in one transaction, bumps the version, then updates memory and tells listeners. */
  private async commit(puts: Array<[string, unknown]>, deletes: string[], changes: RegistryChange[]): Promise<void> {
    const version = this.versionValue + 1;
    await this.db.transaction(() => {
      for (const [k, v] of puts) this.db.put(k, v);
      for (const k of deletes) this.db.remove(k);
      this.db.put("meta/version", version);
    });
    for (const k of deletes) {
      if (k.startsWith("label/")) this.labels.delete(k.slice("label/".length));
    }
    for (const [k, v] of puts) this.loadEntry(k, v);
    this.versionValue = version;
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }

  async createService(input: CreateServiceInput): Promise<ServiceDef> {
    const serviceName = checkName("serviceName", input.serviceName);
    if (this.services.has(serviceName)) {
      throw new EdgeflowError("conflict", "service_exists", `service ${JSON.stringify(serviceName)} already exists`);
    }
    const service: ServiceDef = { id: this.nextId(), serviceName, accessTokenHash: input.accessTokenHash, createdAtMs: this.now() };
    await this.commit([[`service/${serviceName}`, service], ["meta/next_id", service.id + 1]], [], [{ kind: "service", service }]);
    return service;
  }

  private nextId(): number {
    return Number(this.db.get("meta/next_id") ?? 1);
  }

  async createColumn(raw: { serviceName: unknown; columnName: unknown; columnType: unknown; props?: unknown }): Promise<ColumnDef> {
    const serviceName = checkName("serviceName", raw.serviceName);
    this.requireService(serviceName);
    const columnName = checkName("columnName", raw.columnName);
    const columnType = parseDataType(raw.columnType, "columnType");
    const props = parsePropDefs(raw.props);
    if (this.column(serviceName, columnName)) {
      throw new EdgeflowError("conflict", "column_exists", `column ${JSON.stringify(columnName)} already exists in service ${JSON.stringify(serviceName)}`);
    }
    const column: ColumnDef = { serviceName, columnName, columnType, props };
    await this.commit([[`column/${serviceName}/${columnName}`, column]], [], [{ kind: "column", column }]);
    return column;
  }

  async addColumnProps(serviceName: string, columnName: string, rawProps: unknown[]): Promise<ColumnDef> {
    const column = this.requireColumn(serviceName, columnName);
    const added = rawProps.map(parsePropDef);
    const props = mergeProps(column.props, added);
    const next: ColumnDef = { ...column, props };
    await this.commit([[`column/${serviceName}/${columnName}`, next]], [], [{ kind: "column", column: next }]);
    return next;
  }

  async createLabel(raw: Record<string, unknown>): Promise<LabelDef> {
    const draft = this.parseLabel(raw);
    if (this.labels.has(draft.label)) {
      throw new EdgeflowError("conflict", "label_exists", `label ${JSON.stringify(draft.label)} already exists`);
    }
    const puts: Array<[string, unknown]> = [];
    const changes: RegistryChange[] = [];
    // S2Graph creates a label's vertex columns when they do not exist yet (`ServiceColumn.findOrInsert`).
    for (const [svc, col, type] of [
      [draft.srcServiceName, draft.srcColumnName, draft.srcColumnType],
      [draft.tgtServiceName, draft.tgtColumnName, draft.tgtColumnType],
    ] as const) {
      const existing = this.column(svc, col) ?? (puts.find(([k]) => k === `column/${svc}/${col}`)?.[1] as ColumnDef | undefined);
      if (existing) {
        if (existing.columnType !== type) {
          throw new EdgeflowError("conflict", "column_type_mismatch", `column ${svc}.${col} has type ${existing.columnType}, the label says ${type}`);
        }
      } else {
        const column: ColumnDef = { serviceName: svc, columnName: col, columnType: type, props: [] };
        puts.push([`column/${svc}/${col}`, column]);
        changes.push({ kind: "column", column });
      }
    }
    const formerIds = this.formerIds(draft.label);
    const label: LabelDef = { ...draft, id: this.nextId(), createdAtMs: this.now(), version: 1, ...(formerIds === undefined ? {} : { formerIds }) };
    puts.push([`label/${label.label}`, label], ["meta/next_id", label.id + 1]);
    changes.push({ kind: "label", label });
    await this.commit(puts, [], changes);
    return label;
  }

  private parseLabel(raw: Record<string, unknown>): Omit<LabelDef, "id" | "createdAtMs" | "version"> {
    const label = checkName("label", raw.label);
    const srcServiceName = checkName("srcServiceName", raw.srcServiceName);
    const tgtServiceName = checkName("tgtServiceName", raw.tgtServiceName);
    const serviceName = raw.serviceName === undefined || raw.serviceName === null ? tgtServiceName : checkName("serviceName", raw.serviceName);
    for (const s of [srcServiceName, tgtServiceName, serviceName]) this.requireService(s);
    const consistency = raw.consistencyLevel ?? "weak";
    if (consistency !== "weak" && consistency !== "strong") {
      throw new EdgeflowError("invalid", "invalid_consistency_level", `consistencyLevel must be "weak" or "strong", got ${JSON.stringify(consistency)}`);
    }
    if (raw.isDirected !== undefined && typeof raw.isDirected !== "boolean") {
      throw new EdgeflowError("invalid", "invalid_is_directed", "isDirected must be a boolean");
    }
    const extra = raw.extraProps ?? (raw.options as Record<string, unknown> | undefined)?.extraProps ?? "reject";
    if (extra !== "reject" && extra !== "drop") {
      throw new EdgeflowError("invalid", "invalid_extra_props", `extraProps must be "reject" or "drop", got ${JSON.stringify(extra)}`);
    }
    const props = parsePropDefs(raw.props);
    return {
      label,
      srcServiceName,
      srcColumnName: checkName("srcColumnName", raw.srcColumnName),
      srcColumnType: parseDataType(raw.srcColumnType, "srcColumnType"),
      tgtServiceName,
      tgtColumnName: checkName("tgtColumnName", raw.tgtColumnName),
      tgtColumnType: parseDataType(raw.tgtColumnType, "tgtColumnType"),
      serviceName,
      isDirected: raw.isDirected === undefined ? true : raw.isDirected,
      consistencyLevel: consistency as ConsistencyLevel,
      props,
      indices: parseIndexDefs(raw.indices, props),
      extraProps: extra as ExtraPropsPolicy,
    };
  }

  async addLabelProp(labelName: string, rawProp: unknown): Promise<LabelDef> {
    const label = this.requireLabel(labelName);
    const prop = parsePropDef(rawProp);
    const next: LabelDef = { ...label, props: mergeProps(label.props, [prop]), version: label.version + 1 };
    await this.commit([[`label/${label.label}`, next]], [], [{ kind: "label", label: next }]);
    return next;
  }

  async addLabelIndices(labelName: string, rawIndices: unknown): Promise<LabelDef> {
    const label = this.requireLabel(labelName);
    const added = parseIndexDefs(rawIndices, label.props);
    const indices: IndexDef[] = [...label.indices];
    for (const idx of added) {
      if (indices.some((i) => i.name === idx.name)) {
        throw new EdgeflowError("conflict", "index_exists", `label ${label.label} already has an index named ${idx.name}`);
      }
      indices.push(idx);
    }
    parseIndexDefs(indices, label.props);
    const next: LabelDef = { ...label, indices, version: label.version + 1 };
    await this.commit([[`label/${label.label}`, next]], [], [{ kind: "label", label: next }]);
    return next;
  }

  async deleteLabel(labelName: string): Promise<LabelDef> {
    const label = this.requireLabel(labelName);
    const former: Array<[string, unknown]> = [[`former/${label.label}`, [...(this.formerIds(label.label) ?? []), label.id]]];
    await this.commit(former, [`label/${label.label}`], [{ kind: "label_deleted", label }]);
    return label;
  }

  /** Ids of the deleted labels named `labelName`, oldest first; undefined when this registry cannot know them all. */
  private formerIds(labelName: string): number[] | undefined {
    const ids: unknown = this.db.get(`former/${labelName}`);
    if (Array.isArray(ids)) return ids.map(Number);
    return this.formersRecorded ? [] : undefined;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** "recorded" when every label deleted in this registry left a `former/` key; "unknown" for one from before. */
const formersKey = "meta/formers";

function columnKey(serviceName: string, columnName: string): string {
  return `${serviceName}\u0000${columnName}`;
}

/** Adds props to a definition; re-adding an identical prop is a no-op, a different one is a conflict. */
function mergeProps(existing: readonly PropDef[], added: readonly PropDef[]): PropDef[] {
  const props = [...existing];
  for (const p of added) {
    const old = props.find((o) => o.name === p.name);
    if (!old) {
      props.push(p);
      continue;
    }
    if (old.dataType !== p.dataType || old.defaultValue !== p.defaultValue) {
      throw new EdgeflowError("conflict", "prop_exists", `prop ${p.name} already exists with type ${old.dataType} and default ${JSON.stringify(old.defaultValue)}`);
    }
  }
  return props;
}
