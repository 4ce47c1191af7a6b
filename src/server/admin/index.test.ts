import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Edgeflow } from "../index.ts";
import { call, openTestEdgeflow } from "../../../test/support/app.ts";

let ef: Edgeflow;
beforeAll(async () => {
  ef = await openTestEdgeflow();
});
afterAll(async () => {
  await ef.close();
});

const friends = {
  label: "friends",
  srcServiceName: "kakao",
  srcColumnName: "user_id",
  srcColumnType: "long",
  tgtServiceName: "kakao",
  tgtColumnName: "user_id",
  tgtColumnType: "long",
  consistencyLevel: "strong",
  props: [{ name: "weight", dataType: "double", defaultValue: 0.5 }],
  indices: [{ name: "by_weight", propNames: ["weight"] }],
};

describe("admin API", () => {
  test("admin: createService answers the access token once; getService never shows it", async () => {
    const created = await call(ef, "POST", "/graphs/createService", { body: { serviceName: "kakao" } });
    expect(created.status).toBe(200);
    expect(created.body.name).toBe("kakao");
    expect(created.body.accessToken).toMatch(/^efs_[A-Za-z0-9_-]{43}$/);
    const got = await call(ef, "GET", "/graphs/getService/kakao");
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id: created.body.id, name: "kakao", serviceName: "kakao" });
  });

  test("admin: the akka-http family wraps creates as 201 {status: ok, message}", async () => {
    const created = await call(ef, "POST", "/admin/createService", { body: { serviceName: "daum" } });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("ok");
    expect(created.body.message.name).toBe("daum");
    expect((await call(ef, "GET", "/admin/getService/daum")).body.name).toBe("daum");
  });

  test("admin: createLabel, getLabel and getLabels on both families", async () => {
    const created = await call(ef, "POST", "/graphs/createLabel", { body: friends });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      labelName: "friends",
      serviceName: "kakao",
      isDirected: true,
      consistencyLevel: "strong",
      from: { serviceName: "kakao", columnName: "user_id", columnType: "long" },
      defaultIndex: { name: "by_weight", propNames: ["weight"] },
    });
    const got = await call(ef, "GET", "/admin/getLabel/friends");
    expect(got.status).toBe(200);
    expect(got.body.props).toEqual([{ name: "weight", dataType: "double", defaultValue: 0.5 }]);
    const play = await call(ef, "GET", "/graphs/getLabels/kakao");
    expect(play.body.from.map((l: { labelName: string }) => l.labelName)).toEqual(["friends"]);
    const akka = await call(ef, "GET", "/admin/getLabels/kakao");
    expect(akka.body.map((l: { labelName: string }) => l.labelName)).toEqual(["friends"]);
    expect((await call(ef, "GET", "/admin/labels/kakao")).body.length).toBe(1);
  });

  test("admin: service columns and their props", async () => {
    const col = await call(ef, "POST", "/graphs/createServiceColumn", {
      body: { serviceName: "kakao", columnName: "item_id", columnType: "string", props: [{ name: "title", dataType: "string", defaultValue: "" }] },
    });
    expect(col.status).toBe(200);
    const added = await call(ef, "POST", "/graphs/addServiceColumnProps/kakao/item_id", { body: [{ name: "price", dataType: "long", defaultValue: 0 }] });
    expect(added.body.props.map((p: { name: string }) => p.name)).toEqual(["title", "price"]);
    const one = await call(ef, "POST", "/admin/addServiceColumnProp/kakao/item_id", { body: { name: "stock", dataType: "integer" } });
    expect(one.status).toBe(201);
    const got = await call(ef, "GET", "/graphs/getServiceColumn/kakao/item_id");
    expect(got.body).toMatchObject({ serviceName: "kakao", columnName: "item_id", columnType: "string" });
    expect(got.body.props.length).toBe(3);
  });

  test("admin: addProp, addIndex and deleteLabelReally", async () => {
    await call(ef, "POST", "/graphs/createLabel", { body: { ...friends, label: "likes" } });
    const prop = await call(ef, "POST", "/graphs/addProp/likes", { body: { name: "since", dataType: "long", defaultValue: 0 } });
    expect(prop.status).toBe(200);
    expect(prop.body.props.map((p: { name: string }) => p.name)).toEqual(["weight", "since"]);
    const idx = await call(ef, "POST", "/graphs/addIndex", { body: { label: "likes", indices: [{ name: "by_since", propNames: ["since"] }] } });
    expect(idx.body.extraIndex).toEqual([{ name: "by_since", propNames: ["since"] }]);
    const del = await call(ef, "PUT", "/graphs/deleteLabelReally/likes");
    expect(del.status).toBe(200);
    expect((await call(ef, "GET", "/graphs/getLabel/likes")).status).toBe(404);
  });

  test.each([
    ["GET", "/graphs/getService/nope", undefined, 404, "unknown_service"],
    ["GET", "/graphs/getServiceColumn/kakao/nope", undefined, 404, "unknown_column"],
    ["GET", "/graphs/getServiceColumn/nope/user_id", undefined, 404, "unknown_service"],
    ["GET", "/graphs/getLabel/nope", undefined, 404, "unknown_label"],
    ["GET", "/graphs/getLabels/nope", undefined, 404, "unknown_service"],
    ["POST", "/graphs/addProp/nope", { name: "x", dataType: "long" }, 404, "unknown_label"],
    ["PUT", "/graphs/deleteLabelReally/nope", undefined, 404, "unknown_label"],
    ["POST", "/graphs/createService", { serviceName: "kakao" }, 409, "service_exists"],
    ["POST", "/graphs/createService", { serviceName: "with space" }, 400, "invalid_name"],
    ["POST", "/graphs/createService", {}, 400, "invalid_request"],
    ["POST", "/graphs/createLabel", { ...friends }, 409, "label_exists"],
    ["POST", "/graphs/createLabel", { ...friends, label: "x1", srcServiceName: "ghost" }, 404, "unknown_service"],
    ["POST", "/graphs/createLabel", { ...friends, label: "x2", props: [{ name: "p", dataType: "decimal" }] }, 400, "invalid_data_type"],
    ["POST", "/graphs/createLabel", { ...friends, label: "x3", props: [{ name: "p", dataType: "long", defaultValue: "abc" }] }, 400, "invalid_default"],
    ["POST", "/graphs/createLabel", { ...friends, label: "x4", props: [{ name: "_timestamp", dataType: "long" }] }, 400, "reserved_prop_name"],
    ["POST", "/admin/createLabel", { ...friends, label: "x5!" }, 400, "invalid_name"],
  ])("admin: %s %s is refused with a stable code", async (method, path, body, status, code) => {
    const r = await call(ef, method, path, body === undefined ? {} : { body });
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(typeof r.body.message).toBe("string");
    if (path.startsWith("/admin/")) expect(r.body.status).toBe("failure");
  });

  test("admin: a body that is not JSON is a 400", async () => {
    const r = await call(ef, "POST", "/graphs/createService", { rawBody: "{nope", headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("invalid_json");
  });

  test("admin: labels persist across a restart of the registry", async () => {
    expect(ef.registry.label("friends")?.consistencyLevel).toBe("strong");
  });
});
