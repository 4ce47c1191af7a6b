/**
 * The static HTTP contract: zod schemas for every endpoint, turned into the OpenAPI document
 * served at `/openapi.json`, and `/docs`, a self-contained page that renders it for people
 * (no CDN: edgeflow often runs where nothing outside is reachable).
 *
 * Route modules describe each endpoint here as they mount it, so the document covers exactly
 * the endpoints that exist; a test checks that every mounted route is documented.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z, type ZodType } from "zod";

extendZodWithOpenApi(z);
export { z };

export type Method = "get" | "post" | "put" | "delete";

export interface RouteDoc {
  method: Method;
  /** Hono-style path (`/graphs/getLabel/:labelName`); converted to OpenAPI's `{labelName}`. */
  path: string;
  summary: string;
  tag: string;
  /** Which token may call it: `public`, `admin`, or `service` (a service token or the admin token). */
  auth: "public" | "admin" | "service";
  body?: ZodType;
  bodyContentType?: string;
  query?: z.ZodObject;
  response?: ZodType;
  responseStatus?: number;
  responseContentType?: string;
}

export const ErrorSchema = z
  .object({
    code: z.string().openapi({ example: "unknown_label" }),
    message: z.string().openapi({ example: 'label "friends" does not exist' }),
    requestId: z.string(),
    status: z.literal("failure").optional().openapi({ description: "present on the /admin family, as S2Graph's akka-http server answers" }),
  })
  .passthrough()
  .openapi("Error");

export class Contract {
  readonly registry = new OpenAPIRegistry();
  readonly routes: RouteDoc[] = [];

  constructor() {
    this.registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  }

  add(route: RouteDoc): void {
    this.routes.push(route);
    const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? "");
    const errors: Record<number, { description: string; content: { "application/json": { schema: ZodType } } }> = {};
    for (const [status, description] of [
      [400, "bad request"],
      [401, "missing or unknown token"],
      [403, "the token may not do this"],
      [404, "unknown service, column or label"],
    ] as const) {
      if (route.auth === "public" && (status === 401 || status === 403)) continue;
      errors[status] = { description, content: { "application/json": { schema: ErrorSchema } } };
    }
    this.registry.registerPath({
      method: route.method,
      path: route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}"),
      summary: route.summary,
      tags: [route.tag],
      security: route.auth === "public" ? [] : [{ bearer: [] }],
      description: route.auth === "admin" ? "Needs the admin token." : route.auth === "service" ? "Needs a service token for the labels it touches, or the admin token." : undefined,
      request: {
        ...(params.length > 0 ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.body ? { body: { content: { [route.bodyContentType ?? "application/json"]: { schema: route.body } }, required: true } } : {}),
      },
      responses: {
        [route.responseStatus ?? 200]: {
          description: "success",
          content: { [route.responseContentType ?? "application/json"]: { schema: route.response ?? z.unknown() } },
        },
        ...errors,
      },
    });
  }

  document(version: string): unknown {
    return new OpenApiGeneratorV3(this.registry.definitions).generateDocument({
      openapi: "3.0.3",
      info: {
        title: "edgeflow",
        version,
        description: "Durable event ingest into a ClickHouse property graph, with Apache S2Graph's REST API.",
      },
    });
  }
}

/** A page that fetches /openapi.json and lists every endpoint with its schemas. */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeflow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1em 2em;color:#222}
h1{margin-bottom:0}.op{border:1px solid #ddd;border-radius:6px;margin:.6em 0}
.op summary{cursor:pointer;padding:.5em .8em;display:flex;gap:.8em;align-items:baseline}
.m{font:bold 12px monospace;padding:2px 6px;border-radius:3px;color:#fff;min-width:3.5em;text-align:center}
.get{background:#2a7}.post{background:#27c}.put{background:#c82}.delete{background:#c33}
.p{font-family:monospace}.s{color:#555}.body{padding:0 1em 1em}pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}
h2{margin-top:1.6em;border-bottom:1px solid #eee}
</style></head><body>
<h1>edgeflow API</h1><p id="info"></p><div id="ops">Loading /openapi.json …</div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
fetch("openapi.json").then((r) => r.json()).then((doc) => {
  document.getElementById("info").textContent = doc.info.description + " Version " + doc.info.version + ".";
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || "other"; (byTag[tag] = byTag[tag] || []).push({ path, method, op });
  }
  let html = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    html += "<h2>" + esc(tag) + "</h2>";
    for (const { path, method, op } of ops) {
      const body = op.requestBody ? JSON.stringify(op.requestBody.content, null, 2) : "";
      html += '<details class="op"><summary><span class="m ' + method + '">' + method.toUpperCase() + '</span><span class="p">' +
        esc(path) + '</span><span class="s">' + esc(op.summary || "") + "</span></summary><div class=body><p>" + esc(op.description || "") + "</p>" +
        (body ? "<b>Request</b><pre>" + esc(body) + "</pre>" : "") + "<b>Responses</b><pre>" + esc(JSON.stringify(op.responses, null, 2)) + "</pre></div></details>";
    }
  }
  html += "<h2>Schemas</h2><pre>" + esc(JSON.stringify((doc.components || {}).schemas || {}, null, 2)) + "</pre>";
  document.getElementById("ops").innerHTML = html;
});
</script></body></html>`;
