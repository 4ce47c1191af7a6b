/**
 * The HTTP edge: error kinds to statuses (the one place this happens), request ids, request
 * logs, and JSON body parsing with a depth limit.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { EdgeflowError, isEdgeflowError, type ErrorKind } from "../../lib/index.ts";
import type { Principal } from "../auth/index.ts";
import { depthExceeds } from "../ingest/index.ts";
import type { Metrics } from "../metrics/index.ts";

export interface AppVariables {
  requestId: string;
  log: Logger;
  principal: Principal;
}

export type AppEnv = { Variables: AppVariables };

const statusByKind: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503 | 504> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  overloaded: 429,
  unavailable: 503,
  timeout: 504,
  io: 500,
  corrupt: 500,
};

export function statusOf(kind: ErrorKind): number {
  return statusByKind[kind];
}

/** The JSON body of every error answer: a stable `code`, a readable `message`, and detail. */
export function errorBody(error: EdgeflowError, requestId: string): Record<string, unknown> {
  const { retryAfterSeconds: _retry, headers: _headers, ...detail } = error.detail;
  return { code: error.code, message: error.message, ...detail, requestId };
}

export function errorResponse(c: Context<AppEnv>, error: EdgeflowError): Response {
  const headers: Record<string, string> = { ...(error.detail.headers as Record<string, string> | undefined) };
  if (error.detail.retryAfterSeconds !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(error.detail.retryAfterSeconds)));
  if (error.kind === "unauthorized") headers["WWW-Authenticate"] = 'Bearer realm="edgeflow"';
  const body = errorBody(error, c.get("requestId") ?? "");
  // The akka-http admin family answers failures as {"status":"failure", ...}; keep that key there.
  if (c.req.path.startsWith("/admin/")) body.status = "failure";
  return c.json(body, statusOf(error.kind) as 400, headers);
}

/** Maps anything thrown to an answer: expected failures by kind, bugs as a logged 500. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  if (isEdgeflowError(error)) return errorResponse(c, error);
  const log = c.get("log");
  log?.error({ err: error }, "unhandled error");
  return errorResponse(c, new EdgeflowError("io", "internal_error", "internal error; the request id is in the server log"));
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** Gives every request an id (the caller's `X-Request-Id` when sane), a child logger, and a log line. */
export function requestContext(baseLog: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
    const log = baseLog.child({ reqId: requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    c.header("X-Request-Id", requestId);
    const route = routePath(c) || "unmatched";
    const durationSeconds = (performance.now() - started) / 1000;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, durationSeconds);
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(durationSeconds * 1e4) / 10 }, "request");
  };
}

/** Nesting deeper than this is refused before parsing: a deep document is an attack, not data. */
export const jsonDepthMax = 64;

/** Small JSON bodies (admin and query calls) are read whole, up to this size. */
export const smallBodyBytesMax = 1024 * 1024;

export async function readJson(c: Context<AppEnv>, bytesMax = smallBodyBytesMax): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > bytesMax) throw new EdgeflowError("too_large", "body_too_large", `body over ${bytesMax} bytes`);
  const body = c.req.raw.body;
  let text = "";
  if (body) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > bytesMax) throw new EdgeflowError("too_large", "body_too_large", `body over ${bytesMax} bytes`);
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString("utf8");
  }
  if (text.trim() === "") throw new EdgeflowError("invalid", "empty_body", "the request needs a JSON body");
  if (depthExceeds(text, 0, text.length, jsonDepthMax)) throw new EdgeflowError("invalid", "too_deep", `JSON nesting deeper than ${jsonDepthMax}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EdgeflowError("invalid", "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
}
