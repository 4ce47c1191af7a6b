/**
 * Test harness: a real ClickHouse server process, started without systemd.
 *
 * `startClickHouseServer()` runs `/usr/sbin/clickhouse-server` (Debian's 18.16 on these
 * machines and in CI) with the packaged config file, but with every path and port overridden
 * on the command line, so each call gets its own temporary data folder and free loopback ports
 * and never touches `/var/lib/clickhouse`:
 *
 *   setpriv --pdeathsig KILL -- /usr/sbin/clickhouse-server --config-file=/etc/clickhouse-server/config.xml --
 *     --path=DIR/ --tmp_path=DIR/tmp/ --user_files_path=DIR/uf/ --format_schema_path=DIR/fs/
 *     --logger.log=DIR/log --logger.errorlog=DIR/err --http_port=P1 --tcp_port=P2
 *     --interserver_http_port=P3 --listen_host=127.0.0.1
 *
 * It runs as the current user (root in CI): 18.16 does not refuse root, and because the data
 * folder is created by the same user, newer servers' "owner of the data differs" check passes
 * too. `setpriv --pdeathsig KILL` (util-linux, always present on Debian) makes the kernel kill
 * the server when the test runner exits, however it exits: `bun test` (1.4) runs no
 * `process.on("exit")` handlers, so this, not an exit hook, is what stops the shared server.
 * setpriv execs the server in place, so the pid we hold is the server's own. A data folder
 * whose owner is gone is removed by the next start (each folder names its owner in owner.pid).
 *
 * Invariants:
 * - A missing binary is an error, never a skip: CI must fail when a real component is absent.
 * - Readiness is `GET /ping` answering `Ok.`, polled against a deadline; no blind sleeps.
 * - `stop()` is SIGTERM to that one pid and a wait for its exit (18.16 takes about 2 s);
 *   `kill9()` is SIGKILL to that pid; neither ever signals anything else.
 * - `restart()` reuses the same ports and data folder, so clients keep their URL and data.
 *
 * `EDGEFLOW_TEST_CLICKHOUSE_URL` points `sharedClickHouse()` at an already-running server
 * (CI may start one); outage tests always start their own, since they must stop it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const clickHouseBinaryDefault = "/usr/sbin/clickhouse-server";
export const clickHouseConfigDefault = "/etc/clickhouse-server/config.xml";
const setprivPath = "/usr/bin/setpriv";

export interface StartClickHouseOptions {
  binary?: string;
  configFile?: string;
  /** How long to wait for `/ping` after a start. */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before it escalates to SIGKILL. */
  stopTimeoutMs?: number;
}

export interface ClickHouseServer {
  /** `http://127.0.0.1:<httpPort>` */
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
  /** The server's pid; it changes after `restart()`. */
  readonly pid: number;
  readonly dataDir: string;
  readonly running: boolean;
  /** SIGTERM to the server's pid, then wait for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL to the server's pid, then wait for it to exit. */
  kill9(): Promise<void>;
  /** Start again (stopping first if running) on the same ports and data folder. */
  restart(): Promise<void>;
  /** Stop and delete the data folder. */
  dispose(): Promise<void>;
  /** The last lines of the server's error log and stderr, for failure messages. */
  logTail(lineCount?: number): string;
}

/** Free loopback TCP ports, found by binding port 0 briefly; all bound at once so they differ. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port bound");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/**
 * Servers this process started, killed on exit in plain `bun` scripts (bun test skips exit
 * handlers; there pdeathsig does the killing and the next start removes the folder).
 */
const live = new Map<number, { dataDir: string; removeDir: boolean }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [pid, entry] of live) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      if (entry.removeDir) rmSync(entry.dataDir, { recursive: true, force: true });
    }
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A test runner killed with -9 cannot run its exit hook, so its data folders stay behind; each
 * folder names its owner in `owner.pid`, and folders of dead owners are removed here.
 */
function removeAbandonedDataDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("edgeflow-ch-")) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, "owner.pid");
    if (!existsSync(ownerFile)) continue;
    const owner = Number(readFileSync(ownerFile, "utf8"));
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) rmSync(dir, { recursive: true, force: true });
  }
}

function assertRunnable(path: string, what: string): void {
  if (!existsSync(path)) {
    throw new Error(
      `${what} not found at ${path}. Install it (Debian: apt-get install -y clickhouse-server) ` +
        `or set EDGEFLOW_TEST_CLICKHOUSE_URL to a running server; tests do not skip a missing component.`,
    );
  }
  accessSync(path, constants.R_OK | (what.includes("binary") ? constants.X_OK : 0));
}

function serverArgs(binary: string, configFile: string, dir: string, ports: readonly [number, number, number]): string[] {
  const [httpPort, tcpPort, interserverPort] = ports;
  const args = [
    binary,
    `--config-file=${configFile}`,
    "--",
    `--path=${dir}/`,
    `--tmp_path=${dir}/tmp/`,
    `--user_files_path=${dir}/uf/`,
    `--format_schema_path=${dir}/fs/`,
    `--logger.log=${dir}/log`,
    `--logger.errorlog=${dir}/err`,
    `--http_port=${httpPort}`,
    `--tcp_port=${tcpPort}`,
    `--interserver_http_port=${interserverPort}`,
    `--listen_host=127.0.0.1`,
  ];
  return existsSync(setprivPath) ? [setprivPath, "--pdeathsig", "KILL", "--", ...args] : args;
}

function tail(path: string, lineCount: number): string {
  if (!existsSync(path)) return "";
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  return lines.slice(-lineCount).join("\n");
}

async function pingOnce(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    const text = await response.text();
    return response.ok && text.startsWith("Ok.");
  } catch {
    return false;
  }
}

class ServerProcess implements ClickHouseServer {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
  readonly dataDir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private alive = false;

  constructor(
    private readonly argv: string[],
    ports: readonly [number, number, number],
    dataDir: string,
    private readonly options: Required<Omit<StartClickHouseOptions, "binary" | "configFile">>,
  ) {
    [this.httpPort, this.tcpPort, this.interserverPort] = ports;
    this.url = `http://127.0.0.1:${this.httpPort}`;
    this.dataDir = dataDir;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error("ClickHouse server is not running");
    return this.child.pid;
  }

  get running(): boolean {
    return this.alive;
  }

  async start(): Promise<void> {
    if (this.alive) throw new Error("ClickHouse server already running");
    const stdout = openSync(join(this.dataDir, "stdout"), "a");
    const stderr = openSync(join(this.dataDir, "stderr"), "a");
    const [command, ...args] = this.argv;
    if (command === undefined) throw new Error("empty argv");
    const child = spawn(command, args, { stdio: ["ignore", stdout, stderr], cwd: this.dataDir });
    closeSync(stdout);
    closeSync(stderr);
    this.child = child;
    this.alive = true;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", () => {
        this.alive = false;
        if (child.pid !== undefined) live.delete(child.pid);
        resolve();
      });
      child.once("error", () => {
        this.alive = false;
        resolve();
      });
    });
    if (child.pid !== undefined) live.set(child.pid, { dataDir: this.dataDir, removeDir: true });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        throw new Error(`ClickHouse server exited before it was ready:\n${this.logTail()}`);
      }
      if (await pingOnce(this.url)) return;
      await Bun.sleep(50);
    }
    await this.kill9();
    throw new Error(`ClickHouse server not ready after ${this.options.readyTimeoutMs} ms:\n${this.logTail()}`);
  }

  async stop(): Promise<void> {
    if (!this.alive || this.child === undefined) return;
    this.child.kill("SIGTERM");
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      Bun.sleep(this.options.stopTimeoutMs).then(() => true),
    ]);
    if (timedOut) await this.kill9();
  }

  async kill9(): Promise<void> {
    if (!this.alive || this.child === undefined) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  logTail(lineCount = 20): string {
    return [
      tail(join(this.dataDir, "err"), lineCount),
      tail(join(this.dataDir, "stderr"), lineCount),
    ].filter((part) => part !== "").join("\n");
  }

  /** True when a failed start was a lost race for a port we picked. */
  lostPortRace(): boolean {
    return /Address already in use|DB::NetException: Net Exception: Address already in use/.test(this.logTail(50));
  }
}

/**
 * Starts a ClickHouse server on free loopback ports with its own temporary data folder.
 * Throws (never skips) when the binary or the config file is missing.
 */
export async function startClickHouseServer(options: StartClickHouseOptions = {}): Promise<ClickHouseServer> {
  const binary = options.binary ?? clickHouseBinaryDefault;
  const configFile = options.configFile ?? clickHouseConfigDefault;
  assertRunnable(binary, "ClickHouse server binary");
  assertRunnable(configFile, "ClickHouse server config file");
  installExitHook();
  removeAbandonedDataDirs();
  const settings = { readyTimeoutMs: options.readyTimeoutMs ?? 30_000, stopTimeoutMs: options.stopTimeoutMs ?? 30_000 };
  // A port found free can be taken before the server binds it; a lost race is retried on new ports.
  const attemptsMax = 3;
  for (let attempt = 1; ; attempt += 1) {
    const dataDir = mkdtempSync(join(tmpdir(), "edgeflow-ch-"));
    for (const sub of ["tmp", "uf", "fs"]) mkdirSync(join(dataDir, sub), { recursive: true });
    writeFileSync(join(dataDir, "owner.pid"), String(process.pid));
    const [httpPort, tcpPort, interserverPort] = await freePorts(3);
    if (httpPort === undefined || tcpPort === undefined || interserverPort === undefined) throw new Error("no free ports");
    const ports = [httpPort, tcpPort, interserverPort] as const;
    const server = new ServerProcess(serverArgs(binary, configFile, dataDir, ports), ports, dataDir, settings);
    try {
      await server.start();
      return server;
    } catch (error) {
      const retry = server.lostPortRace() && attempt < attemptsMax;
      await server.dispose();
      if (!retry) throw error;
    }
  }
}

/** What tests get from `sharedClickHouse()`: a URL, and the process when this run started it. */
export interface SharedClickHouse {
  readonly url: string;
  /** Undefined when `EDGEFLOW_TEST_CLICKHOUSE_URL` named an external server. */
  readonly server: ClickHouseServer | undefined;
}

let shared: Promise<SharedClickHouse> | undefined;

/**
 * One server for every test file in this process (bun runs files in one process): the external
 * one named by `EDGEFLOW_TEST_CLICKHOUSE_URL`, else one started here, which dies with the runner.
 * Tests isolate by database name. Never stop it; outage tests start their own.
 */
export function sharedClickHouse(): Promise<SharedClickHouse> {
  const external = process.env.EDGEFLOW_TEST_CLICKHOUSE_URL;
  if (external !== undefined && external !== "") {
    return Promise.resolve({ url: external.replace(/\/+$/, ""), server: undefined });
  }
  shared ??= startClickHouseServer().then((server) => ({ url: server.url, server }));
  return shared;
}

/**
 * chDB allows one data directory per process, so every chDB test in a process shares this one
 * and isolates by database name. `EDGEFLOW_TEST_CHDB_DIR` overrides it. Folders of finished
 * runs are removed by the next run.
 */
export function testChdbDataDir(): string {
  const fromEnv = process.env.EDGEFLOW_TEST_CHDB_DIR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const prefix = "edgeflow-chdb-test-";
  const dir = join(tmpdir(), `${prefix}${process.pid}`);
  if (!existsSync(dir)) {
    for (const name of readdirSync(tmpdir())) {
      const owner = Number(name.slice(prefix.length));
      if (name.startsWith(prefix) && Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
      }
    }
    mkdirSync(dir, { recursive: true });
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

/** A database name unique to this test run: `<prefix>_<pid>_<random>`. */
export function uniqueDatabaseName(prefix: string): string {
  const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
  return `${prefix}_${process.pid}_${random}`;
}
