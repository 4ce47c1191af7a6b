/**
 * Crash test: a child server under sync ingest load from several clients is killed with
 * SIGKILL at random moments, then restarted on the same data dir. A ledger keeps every id the
 * server acknowledged (`wait=durable`, 200). After each recovery, every acknowledged id must be
 * in the log exactly once: none lost, none duplicated.
 *
 * `CRASH_CYCLES` sets the number of cycles (default 20, up to 1000); `SEED` replays a run.
 */
import { describe, expect, test } from "bun:test";
import { decodeMutation, seededRandom as random } from "../../src/lib/index.ts";
import { clientMutationId } from "../../src/server/ingest/index.ts";
import { openWal } from "../../src/wal/index.ts";
import { spawnServer, type SpawnedServer } from "../binary/spawn-server.ts";
import { tempDir } from "../support/tmp.ts";
import path from "node:path";

const cycles = Math.min(1000, Number(process.env.CRASH_CYCLES ?? 20));
const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
console.log(`crash test: SEED=${seed} CRASH_CYCLES=${cycles}`);


const admin = "crash-admin";
const headers = { authorization: `Bearer ${admin}`, "content-type": "application/x-ndjson" };

async function start(dataDir: string): Promise<SpawnedServer> {
  return spawnServer({ args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--admin-token", admin] });
}

/** Sends sync batches until the server dies; records the client ids of every acknowledged batch. */
async function client(url: string, name: string, acked: Set<string>, sent: { n: number }, rand: () => number): Promise<void> {
  for (let batch = 0; ; batch++) {
    const size = 1 + Math.floor(rand() * 200);
    const ids: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < size; i++) {
      const id = `${name}-${batch}-${i}`;
      ids.push(id);
      lines.push(JSON.stringify({ mutationId: id, timestamp: sent.n++, from: i, to: `t${batch}`, label: "crash" }));
    }
    let response: Response;
    try {
      response = await fetch(`${url}/v1/mutate?wait=durable`, { method: "POST", headers, body: lines.join("\n") });
    } catch {
      return; // the server is gone: unacknowledged, so not in the ledger
    }
    if (response.status !== 200) return;
    const answer = (await response.json()) as { accepted: number };
    if (answer.accepted !== size) throw new Error(`accepted ${answer.accepted} of ${size}`);
    for (const id of ids) acked.add(id);
  }
}

async function logIds(dataDir: string): Promise<Map<string, number>> {
  const wal = await openWal({ dir: path.join(dataDir, "wal") });
  const counts = new Map<string, number>();
  const cursor = wal.openCursor(wal.firstSeq);
  for (;;) {
    const records = cursor.read({ recordCountMax: 50_000 });
    if (records.length === 0) break;
    for (const r of records) {
      const m = decodeMutation(r.payload);
      counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
    }
  }
  cursor.close();
  await wal.close();
  return counts;
}

describe("crash", () => {
  test(`crash: kill -9 under sync load loses and duplicates nothing acknowledged (${cycles} cycles)`, async () => {
    const rand = random(seed);
    const dataDir = tempDir("edgeflow-crash-");
    let server = await start(dataDir);
    const auth = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
    await fetch(`${server.url}/graphs/createService`, { method: "POST", headers: auth, body: JSON.stringify({ serviceName: "crash_svc" }) });
    const created = await fetch(`${server.url}/graphs/createLabel`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ label: "crash", srcServiceName: "crash_svc", srcColumnName: "a", srcColumnType: "long", tgtServiceName: "crash_svc", tgtColumnName: "b", tgtColumnType: "string" }),
    });
    expect(created.status).toBe(200);
    const acked = new Set<string>();
    const sent = { n: 1 };
    let killedUnderLoad = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const clients = [0, 1, 2, 3].map((k) => client(server.url, `c${cycle}_${k}`, acked, sent, rand));
      const before = acked.size;
      // Kill at a random moment: sometimes at once, mostly while batches are in flight.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 300)));
      await server.kill9();
      await Promise.all(clients);
      if (acked.size > before) killedUnderLoad++;
      const ids = await logIds(dataDir);
      for (const id of acked) {
        const n = ids.get(clientMutationId({ service: "crash_svc", clientId: id })) ?? 0;
        if (n !== 1) throw new Error(`cycle ${cycle}: acknowledged id ${id} is in the log ${n} times (SEED=${seed})`);
      }
      for (const [id, n] of ids) if (n !== 1) throw new Error(`cycle ${cycle}: id ${id} is in the log ${n} times (SEED=${seed})`);
      server = await start(dataDir);
      // Ready again: the recovered server answers.
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    }
    await server.stop();
    console.log(`crash test: ${cycles} cycles, ${acked.size} acknowledged rows, ${killedUnderLoad} cycles killed under load`);
    expect(acked.size).toBeGreaterThan(0);
    expect(killedUnderLoad).toBeGreaterThan(cycles / 2);
  }, 600_000);
});
