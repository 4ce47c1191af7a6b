/**
 * Opening a store on either engine for the integration tests: chDB in the test's shared data
 * folder, or the shared ClickHouse server. Each caller passes its own database, so tests can
 * share one chDB session and one server without seeing each other's tables.
 */
import { openStore, type Store, type StoreEngine } from "../../src/store/index.ts";
import { sharedClickHouse, testChdbDataDir } from "./clickhouse-server.ts";

export async function openEngineStore(engine: StoreEngine, database: string): Promise<Store> {
  return engine === "chdb"
    ? openStore({ engine: "chdb", dataDir: testChdbDataDir(), database })
    : openStore({ engine: "clickhouse", url: (await sharedClickHouse()).url, database });
}
