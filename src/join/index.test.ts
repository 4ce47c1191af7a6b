import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/tmp.ts";
import { SideData } from "./index.ts";

describe("side data", () => {
  test("join: a version is invisible until activated, then replaces the old one atomically", async () => {
    const side = SideData.open(tempDir());
    const v1 = side.beginVersion("user_profile", "d20261124");
    await v1.put([["1", { age: 31, country: "KR" }], ["2", { age: 25, country: "JP" }]]);
    expect(side.snapshot(["user_profile"]).lookup("user_profile", "1")).toBeUndefined();
    await side.activate(v1);
    expect(side.snapshot(["user_profile"]).lookup("user_profile", "1")).toEqual({ age: 31, country: "KR" });
    const v2 = side.beginVersion("user_profile", "d20261125");
    await v2.put([["1", { age: 32, country: "KR" }]]);
    await side.activate(v2);
    const snap = side.snapshot(["user_profile"]);
    expect(snap.lookup("user_profile", "1")?.age).toBe(32);
    expect(snap.lookup("user_profile", "2")).toBeUndefined();
    snap.release();
    await side.close();
  });

  test("join: a snapshot keeps its version while a new one is activated, and collect waits for it", async () => {
    const side = SideData.open(tempDir());
    const v1 = side.beginVersion("item_catalog", "v1");
    await v1.put([["i1", { brand: "old" }]]);
    await side.activate(v1);
    const pinned = side.snapshot(["item_catalog"]);
    const v2 = side.beginVersion("item_catalog", "v2");
    await v2.put([["i1", { brand: "new" }]]);
    await side.activate(v2);
    expect(pinned.lookup("item_catalog", "i1")?.brand).toBe("old");
    expect(side.snapshot(["item_catalog"]).lookup("item_catalog", "i1")?.brand).toBe("new");
    expect(await side.collect()).toEqual([]);
    pinned.release();
    expect(await side.collect()).toEqual(["item_catalog@v1"]);
    await side.close();
  });

  test("join: fields are attached by from, to or a prop, and a missing key attaches nothing", async () => {
    const side = SideData.open(tempDir());
    const users = side.beginVersion("user_profile", "v1");
    await users.put([["7", { age: 40, segment: "gold" }]]);
    await side.activate(users);
    const items = side.beginVersion("item_catalog", "v1");
    await items.put([["i9", { category: "shoes" }]]);
    await side.activate(items);
    const geo = side.beginVersion("geo", "v1");
    await geo.put([["seoul", { country: "KR" }]]);
    await side.activate(geo);
    const snap = side.snapshot(["user_profile", "item_catalog", "geo"]);
    const joined = snap.join(
      [
        { table: "user_profile", on: "from", fields: ["age", "segment"] },
        { table: "item_catalog", on: "to", fields: ["category", "missing_field"] },
        { table: "geo", on: { prop: "city" }, fields: ["country"] },
      ],
      { from: 7, to: "i9", props: { city: "seoul" } },
    );
    expect(joined).toEqual({ "user_profile.age": 40, "user_profile.segment": "gold", "item_catalog.category": "shoes", "geo.country": "KR" });
    expect(snap.join([{ table: "user_profile", on: "from", fields: ["age"] }], { from: 8, to: "x", props: {} })).toEqual({});
    snap.release();
    await side.close();
  });

  test("join: versions survive a reopen; the active version cannot be overwritten", async () => {
    const dir = tempDir();
    const a = SideData.open(dir);
    const v = a.beginVersion("geo", "v1");
    await v.put([["x", { c: "y" }]]);
    await a.activate(v);
    await a.close();
    const b = SideData.open(dir);
    expect(b.current("geo")).toBe("v1");
    expect(b.snapshot(["geo"]).lookup("geo", "x")).toEqual({ c: "y" });
    expect(() => b.beginVersion("geo", "v1")).toThrow(/active/);
    expect(() => b.beginVersion("bad name", "v2")).toThrow(/side table/);
    await b.close();
  });
});
