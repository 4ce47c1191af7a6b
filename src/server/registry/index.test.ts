import { describe, expect, test } from "bun:test";
import { open } from "lmdb";
import path from "node:path";
import { EdgeflowError } from "../../lib/index.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { Registry } from "./index.ts";

const friends = {
  label: "friends",
  srcServiceName: "kakao",
  srcColumnName: "user_id",
  srcColumnType: "long",
  tgtServiceName: "kakao",
  tgtColumnName: "user_id",
  tgtColumnType: "long",
  props: [{ name: "weight", dataType: "double", defaultValue: 0.5 }],
  indices: [{ name: "by_weight", propNames: ["weight"] }],
};

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EdgeflowError) return error.code;
    throw error;
  }
  return undefined;
}

describe("registry", () => {
  test("registry: services, columns and labels survive a reopen", async () => {
    const dir = tempDir();
    const a = Registry.open(dir);
    await a.createService({ serviceName: "kakao", accessTokenHash: "ab".repeat(32) });
    await a.createColumn({ serviceName: "kakao", columnName: "item_id", columnType: "string", props: [{ name: "title", dataType: "string" }] });
    const label = await a.createLabel(friends);
    const version = a.version;
    await a.close();

    const b = Registry.open(dir);
    expect(b.version).toBe(version);
    expect(b.service("kakao")?.accessTokenHash).toBe("ab".repeat(32));
    expect(b.serviceByTokenHash("ab".repeat(32))?.serviceName).toBe("kakao");
    expect(b.column("kakao", "item_id")?.props).toEqual([{ name: "title", dataType: "string", defaultValue: "" }]);
    expect(b.label("friends")).toEqual(label);
    // createLabel made the missing vertex column, as S2Graph does.
    expect(b.column("kakao", "user_id")?.columnType).toBe("long");
    await b.close();
  });

  test("registry: a label records the ids of deleted labels of its name, across a reopen; a registry from before the record cannot tell", async () => {
    const dir = tempDir();
    const r = Registry.open(dir);
    await r.createService({ serviceName: "kakao", accessTokenHash: "01" });
    const first = await r.createLabel(friends);
    expect(first.formerIds).toEqual([]);
    await r.deleteLabel("friends");
    const second = await r.createLabel(friends);
    await r.deleteLabel("friends");
    await r.close();
    const reopened = Registry.open(dir);
    const third = await reopened.createLabel(friends);
    expect(third.formerIds).toEqual([first.id, second.id]);
    expect(reopened.label("friends")?.formerIds).toEqual([first.id, second.id]);
    await reopened.createLabel({ ...friends, label: "likes" });
    await reopened.close();
    // As a registry written before deleted labels were recorded: a new name may hide old rows.
    const db = open({ path: path.join(dir, "registry"), compression: false });
    await db.remove("meta/formers");
    await db.close();
    const old = Registry.open(dir);
    expect((await old.createLabel({ ...friends, label: "fans" })).formerIds).toBeUndefined();
    expect(old.label("likes")?.formerIds).toEqual([]);
    await old.close();
  });

  test("registry: defaults follow S2Graph (serviceName = tgtServiceName, directed, weak)", async () => {
    const r = Registry.open(tempDir());
    await r.createService({ serviceName: "a", accessTokenHash: "01" });
    await r.createService({ serviceName: "b", accessTokenHash: "02" });
    const l = await r.createLabel({ ...friends, srcServiceName: "a", tgtServiceName: "b", props: [], indices: [] });
    expect(l).toMatchObject({ serviceName: "b", isDirected: true, consistencyLevel: "weak", extraProps: "reject", indices: [] });
    await r.close();
  });

  test("registry: clear errors for unknown services, duplicates and bad definitions", async () => {
    const r = Registry.open(tempDir());
    expect(await codeOf(r.createLabel(friends))).toBe("unknown_service");
    await r.createService({ serviceName: "kakao", accessTokenHash: "01" });
    expect(await codeOf(r.createService({ serviceName: "kakao", accessTokenHash: "02" }))).toBe("service_exists");
    expect(await codeOf(r.createService({ serviceName: "bad name", accessTokenHash: "02" }))).toBe("invalid_name");
    await r.createLabel(friends);
    expect(await codeOf(r.createLabel(friends))).toBe("label_exists");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", consistencyLevel: "eventual" }))).toBe("invalid_consistency_level");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", srcColumnType: "decimal" }))).toBe("invalid_data_type");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", srcColumnType: "string" }))).toBe("column_type_mismatch");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", props: [{ name: "_to", dataType: "long" }] }))).toBe("reserved_prop_name");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", props: [{ name: "n", dataType: "long", defaultValue: "x" }] }))).toBe("invalid_default");
    expect(await codeOf(r.createLabel({ ...friends, label: "l2", indices: [{ name: "i", propNames: ["missing"] }] }))).toBe("unknown_prop");
    expect(await codeOf(r.createColumn({ serviceName: "nope", columnName: "c", columnType: "long" }))).toBe("unknown_service");
    expect(await codeOf(r.addColumnProps("kakao", "nope", [{ name: "x", dataType: "long" }]))).toBe("unknown_column");
    expect(await codeOf(r.addLabelProp("nope", { name: "x", dataType: "long" }))).toBe("unknown_label");
    expect(r.label("l2")).toBeUndefined();
    await r.close();
  });

  test("registry: addProp, addIndex and delete change the version and tell listeners", async () => {
    const r = Registry.open(tempDir());
    const seen: string[] = [];
    r.onChange((c) => seen.push(c.kind));
    await r.createService({ serviceName: "kakao", accessTokenHash: "01" });
    await r.createLabel(friends);
    const v = r.version;
    const withProp = await r.addLabelProp("friends", { name: "since", dataType: "long", defaultValue: 0 });
    expect(withProp.props.map((p) => p.name)).toEqual(["weight", "since"]);
    expect(withProp.version).toBe(2);
    expect(r.version).toBe(v + 1);
    // Re-adding the same prop is a no-op; a different definition is a conflict.
    await r.addLabelProp("friends", { name: "since", dataType: "long", defaultValue: 0 });
    expect(await codeOf(r.addLabelProp("friends", { name: "since", dataType: "string" }))).toBe("prop_exists");
    const withIndex = await r.addLabelIndices("friends", [{ name: "by_since", propNames: ["since"] }]);
    expect(withIndex.indices.map((i) => i.name)).toEqual(["by_weight", "by_since"]);
    expect(await codeOf(r.addLabelIndices("friends", [{ name: "by_since", propNames: ["since"] }]))).toBe("index_exists");
    await r.deleteLabel("friends");
    expect(r.label("friends")).toBeUndefined();
    expect(await codeOf(r.deleteLabel("friends"))).toBe("unknown_label");
    // The name can be used again, with a new id; the new label knows the old id, whose rows reads skip.
    const again = await r.createLabel(friends);
    expect(again.id).not.toBe(withIndex.id);
    expect(again.formerIds).toEqual([withIndex.id]);
    expect(seen).toContain("label_deleted");
    await r.close();
  });
});
