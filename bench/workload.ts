/**
 * The benchmarks' shared workload (BENCH.md): the `bench` service and its weak `view` label
 * (user → item, props `dur_ms`, `platform`, `ref`), and how a server under test is set up.
 */
export const benchAdminToken = "bench-admin";

export const viewLabel = {
  label: "view",
  srcServiceName: "bench",
  srcColumnName: "user_id",
  srcColumnType: "long",
  tgtServiceName: "bench",
  tgtColumnName: "item_id",
  tgtColumnType: "string",
  props: [
    { name: "dur_ms", dataType: "long", defaultValue: 0 },
    { name: "platform", dataType: "string", defaultValue: "" },
    { name: "ref", dataType: "string", defaultValue: "" },
  ],
};

/** Creates the `bench` service and the `view` label on a running server. */
export async function setUpViewLabel(url: string): Promise<void> {
  const headers = { authorization: `Bearer ${benchAdminToken}`, "content-type": "application/json" };
  for (const [path, body] of [["/graphs/createService", { serviceName: "bench" }], ["/graphs/createLabel", viewLabel]] as const) {
    const r = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${await r.text()}`);
  }
}
