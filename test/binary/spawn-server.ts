/**
 * Starts an edgeflow server as a child process (the compiled binary or `bun src/cli.ts`) and
 * waits, with a deadline, for its pino line `{"msg":"listening","port":N}` on stdout.
 *
 * For tests that need a real process: crash tests (`kill9()`), the compiled binary, chDB's one
 * data directory per process. The helper only ever signals the pid it started, and keeps
 * draining stdout and stderr for the child's whole life so a chatty server never blocks on a
 * full pipe. Nothing here sleeps: every wait is on a condition with a deadline.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { withDeadline } from "../support/wait.ts";

export const projectRoot = resolve(import.meta.dir, "..", "..");

/** Runs the server from source with the Bun that runs the tests. */
export function sourceCommand(): string[] {
  return [process.execPath, join(projectRoot, "src", "cli.ts")];
}

/** Runs the compiled binary that `bun run build` writes. */
export function binaryCommand(binaryPath = join(projectRoot, "dist", "edgeflow")): string[] {
  return [binaryPath];
}

export interface SpawnServerOptions {
  /** The program and its leading arguments: `sourceCommand()` (default) or `binaryCommand()`. */
  command?: string[];
  /** Arguments after the command; default `["serve", "--port", "0"]`. */
  args?: string[];
  cwd?: string;
  /** Added to (or, with `undefined`, removed from) the test process's environment. */
  env?: Record<string, string | undefined>;
  /** How long to wait for the listening line; default 30 s (chDB's first start is slow). */
  listenTimeoutMs?: number;
}

export interface ServerExit {
  exitCode: number | null;
  /** The signal's name (e.g. "SIGKILL") when a signal ended the process. */
  signalCode: string | null;
}

export interface SpawnedServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Every stdout line so far; keeps growing while the server runs. */
  stdoutLines: string[];
  stderrLines: string[];
  /** Resolves when the process has exited. */
  exited: Promise<ServerExit>;
  /** Resolves with the first line (existing or future) that matches, or rejects at the deadline. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then waits for the exit; on the deadline sends SIGKILL and rejects. */
  stop(timeoutMs?: number): Promise<ServerExit>;
  /** SIGKILL (a crash, for crash tests), then waits for the exit. */
  kill9(): Promise<ServerExit>;
}

type LineWaiter = { match: (line: string) => boolean; resolve: (line: string) => void };

/** Collects the lines of one output stream and wakes whoever waits for a matching line. */
class LineCollector {
  readonly lines: string[] = [];
  private waiters: LineWaiter[] = [];

  push(line: string): void {
    this.lines.push(line);
    for (const waiter of this.waiters.filter((w) => w.match(line))) waiter.resolve(line);
    this.waiters = this.waiters.filter((w) => !w.match(line));
  }

  wait(match: (line: string) => boolean): { line: Promise<string>; cancel(): void } {
    const existing = this.lines.find(match);
    if (existing !== undefined) return { line: Promise.resolve(existing), cancel() {} };
    let waiter: LineWaiter | undefined;
    const line = new Promise<string>((resolve) => {
      waiter = { match, resolve };
      this.waiters.push(waiter);
    });
    return { line, cancel: () => (this.waiters = this.waiters.filter((w) => w !== waiter)) };
  }
}

async function drainLines(stream: ReadableStream<Uint8Array>, collector: LineCollector): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    let newlineAt: number;
    while ((newlineAt = pending.indexOf("\n")) >= 0) {
      collector.push(pending.slice(0, newlineAt));
      pending = pending.slice(newlineAt + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") collector.push(pending);
}

/** The port of a pino `listening` line, or undefined for any other line. */
export function listeningPort(line: string): number | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof record !== "object" || record === null) return undefined;
  const { msg, port } = record as { msg?: unknown; port?: unknown };
  return msg === "listening" && typeof port === "number" && port > 0 ? port : undefined;
}

function childEnv(overrides: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, ...overrides };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * `setpriv --pdeathsig KILL` (util-linux, on every Debian) makes the kernel kill the server if the
 * test runner dies first; `bun test` runs no exit handlers, so a failed test could otherwise
 * leave a server behind. setpriv execs in place: the pid we hold stays the server's own.
 */
const deathSignal = existsSync("/usr/bin/setpriv") ? ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] : [];

export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const cmd = [...deathSignal, ...(options.command ?? sourceCommand()), ...(options.args ?? ["serve", "--port", "0"])];
  const listenTimeoutMs = options.listenTimeoutMs ?? 30_000;
  const child = Bun.spawn({
    cmd,
    cwd: options.cwd ?? projectRoot,
    env: childEnv(options.env ?? {}),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new LineCollector();
  const stderr = new LineCollector();
  const drained = Promise.all([drainLines(child.stdout, stdout), drainLines(child.stderr, stderr)]);
  // The exit is reported once both pipes are drained, so the last lines are never missed.
  const exited: Promise<ServerExit> = child.exited.then(async () => {
    await drained;
    return { exitCode: child.exitCode, signalCode: child.signalCode === null ? null : String(child.signalCode) };
  });
  const describe = () =>
    `${cmd.join(" ")} (pid ${child.pid})\n--- stdout\n${stdout.lines.join("\n")}\n--- stderr\n${stderr.lines.join("\n")}`;

  const waitForLine = (match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> => {
    const waiting = stdout.wait(match);
    const endedFirst = exited.then((exit) => {
      throw new Error(`server exited (${JSON.stringify(exit)}) before the awaited line: ${describe()}`);
    });
    return withDeadline(Promise.race([waiting.line, endedFirst]), timeoutMs, () => {
      waiting.cancel();
      return new Error(`no matching stdout line within ${timeoutMs} ms: ${describe()}`);
    });
  };

  // Signals only our own child, and only while it runs (its pid could be reused after exit).
  const signal = (name: "SIGTERM" | "SIGKILL") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  const kill9 = async (): Promise<ServerExit> => {
    signal("SIGKILL");
    return exited;
  };
  const stop = async (timeoutMs = 10_000): Promise<ServerExit> => {
    signal("SIGTERM");
    return withDeadline(exited, timeoutMs, () => {
      signal("SIGKILL");
      return new Error(`server did not exit within ${timeoutMs} ms of SIGTERM: ${describe()}`);
    });
  };

  let port: number;
  try {
    port = listeningPort(await waitForLine((line) => listeningPort(line) !== undefined, listenTimeoutMs))!;
  } catch (error) {
    await kill9();
    throw error;
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stdoutLines: stdout.lines,
    stderrLines: stderr.lines,
    exited,
    waitForLine,
    stop,
    kill9,
  };
}
