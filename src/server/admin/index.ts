/**
 * The admin API, on both of S2Graph's path families:
 * - `/graphs/...` as S2Graph's Play server: success is 200 with the entity as JSON;
 * - `/admin/...` as its akka-http server: a create answers 201 `{"status":"ok","message":entity}`,
 *   a read answers the entity.
 * Failures on both are JSON `{code, message}` with the status of their kind (an unknown
 * service, column or label is a 404); on `/admin` they also carry `"status":"failure"`.
 * Every admin call needs the admin token.
 */
import type { Context, Hono } from "hono";
import { EdgeflowError, type ColumnDef, type LabelDef, type PropDef, type ServiceDef } from "../../lib/index.ts";
import { generateToken, hashToken, requireAdmin } from "../auth/index.ts";
import { readJson, type AppEnv } from "../http/index.ts";
import { z, type Contract } from "../openapi/index.ts";
import type { Registry } from "../registry/index.ts";

const DataTypeSchema = z.string().openapi({ example: "long", description: "string, long, integer, short, byte, float, double or boolean (S2Graph's aliases accepted)" });
const PropSchema = z
  .object({ name: z.string(), dataType: DataTypeSchema, defaultValue: z.union([z.string(), z.number(), z.boolean()]).optional() })
  .openapi("Prop");
const IndexSchema = z.object({ name: z.string(), propNames: z.array(z.string()) }).openapi("Index");

const CreateServiceSchema = z
  .object({
    serviceName: z.string().openapi({ example: "kakao" }),
    cluster: z.string().optional(),
    hTableName: z.string().optional(),
    preSplitSize: z.number().optional(),
    hTableTTL: z.number().optional(),
    compressionAlgorithm: z.string().optional(),
  })
  .openapi("CreateService");

const ServiceSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    serviceName: z.string(),
    accessToken: z.string().optional().openapi({ description: "only in the answer to createService: it is stored hashed and never shown again" }),
  })
  .openapi("Service");

const CreateColumnSchema = z
  .object({ serviceName: z.string(), columnName: z.string(), columnType: DataTypeSchema, props: z.array(PropSchema).optional() })
  .openapi("CreateServiceColumn");

const ColumnSchema = z
  .object({ serviceName: z.string(), columnName: z.string(), columnType: z.string(), props: z.array(PropSchema) })
  .openapi("ServiceColumn");

const CreateLabelSchema = z
  .object({
    label: z.string().openapi({ example: "friends" }),
    srcServiceName: z.string(),
    srcColumnName: z.string(),
    srcColumnType: DataTypeSchema,
    tgtServiceName: z.string(),
    tgtColumnName: z.string(),
    tgtColumnType: DataTypeSchema,
    serviceName: z.string().optional().openapi({ description: "owning service; default tgtServiceName" }),
    isDirected: z.boolean().optional(),
    consistencyLevel: z.enum(["weak", "strong"]).optional(),
    props: z.array(PropSchema).optional(),
    indices: z.array(IndexSchema).optional(),
    extraProps: z.enum(["reject", "drop"]).optional().openapi({ description: "edgeflow: what to do with props outside the schema (default reject)" }),
  })
  .passthrough()
  .openapi("CreateLabel");

const LabelSchema = z
  .object({
    labelName: z.string(),
    label: z.string(),
    from: ColumnSchema.partial(),
    to: ColumnSchema.partial(),
    isDirected: z.boolean(),
    serviceName: z.string(),
    consistencyLevel: z.string(),
    props: z.array(PropSchema),
    indices: z.array(IndexSchema),
    defaultIndex: IndexSchema,
    extraIndex: z.array(IndexSchema),
    metaProps: z.array(PropSchema),
  })
  .passthrough()
  .openapi("Label");

const AddIndexSchema = z.object({ label: z.string(), indices: z.array(IndexSchema) }).openapi("AddIndex");

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new EdgeflowError("invalid", "invalid_request", `${where}${issue?.message ?? "invalid request body"}`);
  }
  return result.data;
}

export function serviceJson(service: ServiceDef, accessToken?: string): Record<string, unknown> {
  return { id: service.id, name: service.serviceName, serviceName: service.serviceName, ...(accessToken ? { accessToken } : {}) };
}

export function columnJson(column: ColumnDef): Record<string, unknown> {
  return { serviceName: column.serviceName, columnName: column.columnName, columnType: column.columnType, props: column.props };
}

const reservedMetaJson: PropDef[] = [
  { name: "_timestamp", dataType: "long", defaultValue: 0 },
  { name: "_from", dataType: "string", defaultValue: "" },
  { name: "_to", dataType: "string", defaultValue: "" },
];

/** S2Graph's `Label.toJson`, plus the fields of the createLabel request, so both readers are served. */
export function labelJson(label: LabelDef): Record<string, unknown> {
  const defaultIndex = label.indices[0] ?? { name: "_PK", propNames: ["_timestamp"] };
  return {
    labelName: label.label,
    label: label.label,
    id: label.id,
    from: { serviceName: label.srcServiceName, columnName: label.srcColumnName, columnType: label.srcColumnType },
    to: { serviceName: label.tgtServiceName, columnName: label.tgtColumnName, columnType: label.tgtColumnType },
    srcServiceName: label.srcServiceName,
    srcColumnName: label.srcColumnName,
    srcColumnType: label.srcColumnType,
    tgtServiceName: label.tgtServiceName,
    tgtColumnName: label.tgtColumnName,
    tgtColumnType: label.tgtColumnType,
    isDirected: label.isDirected,
    serviceName: label.serviceName,
    consistencyLevel: label.consistencyLevel,
    schemaVersion: "v3",
    isAsync: false,
    props: label.props,
    indices: label.indices,
    defaultIndex,
    extraIndex: label.indices.slice(1),
    metaProps: [...reservedMetaJson, ...label.props],
    extraProps: label.extraProps,
    options: {},
  };
}

type Family = "graphs" | "admin";

/** Success on each family: Play answers the entity; akka-http wraps a create in {status, message} with 201. */
function created(c: Context<AppEnv>, family: Family, entity: unknown): Response {
  if (family === "admin") return c.json({ status: "ok", message: entity }, 201);
  return c.json(entity as Record<string, unknown>, 200);
}

export interface AdminDeps {
  registry: Registry;
}

export function mountAdmin(app: Hono<AppEnv>, contract: Contract, deps: AdminDeps): void {
  const { registry } = deps;
  const both = (
    method: "get" | "post" | "put",
    name: string,
    doc: { summary: string; body?: z.ZodType; response?: z.ZodType; created?: boolean },
    handler: (c: Context<AppEnv>, family: Family) => Promise<Response> | Response,
  ) => {
    for (const family of ["graphs", "admin"] as const) {
      const path = `/${family}/${name}`;
      app.on(method.toUpperCase(), path, (c) => {
        requireAdmin(c.get("principal"));
        return handler(c, family);
      });
      contract.add({
        method,
        path,
        summary: doc.summary,
        tag: family === "graphs" ? "admin (S2Graph Play paths)" : "admin (S2Graph akka-http paths)",
        auth: "admin",
        ...(doc.body ? { body: doc.body } : {}),
        ...(doc.response ? { response: doc.response } : {}),
        ...(family === "admin" && doc.created ? { responseStatus: 201 } : {}),
      });
    }
  };

  both("post", "createService", { summary: "Create a service (a tenant); the answer carries its access token, shown only once", body: CreateServiceSchema, response: ServiceSchema, created: true }, async (c, family) => {
    const body = parseWith(CreateServiceSchema, await readJson(c));
    const token = generateToken("efs");
    const service = await registry.createService({ serviceName: body.serviceName, accessTokenHash: hashToken(token) });
    c.get("log").info({ service: service.serviceName }, "service created");
    return created(c, family, serviceJson(service, token));
  });

  both("get", "getService/:serviceName", { summary: "Get a service", response: ServiceSchema }, (c) => {
    return c.json(serviceJson(registry.requireService(c.req.param("serviceName") ?? "")));
  });

  both("post", "createServiceColumn", { summary: "Create a service column (a vertex type) with typed props", body: CreateColumnSchema, response: ColumnSchema, created: true }, async (c, family) => {
    const body = parseWith(CreateColumnSchema, await readJson(c));
    return created(c, family, columnJson(await registry.createColumn(body)));
  });

  both("get", "getServiceColumn/:serviceName/:columnName", { summary: "Get a service column", response: ColumnSchema }, (c) => {
    return c.json(columnJson(registry.requireColumn(c.req.param("serviceName") ?? "", c.req.param("columnName") ?? "")));
  });

  const addColumnProps = async (c: Context<AppEnv>, family: Family, many: boolean) => {
    const body = await readJson(c);
    const props = many ? parseWith(z.array(PropSchema), body) : [parseWith(PropSchema, body)];
    const column = await registry.addColumnProps(c.req.param("serviceName") ?? "", c.req.param("columnName") ?? "", props);
    return created(c, family, columnJson(column));
  };
  both("post", "addServiceColumnProp/:serviceName/:columnName", { summary: "Add a prop to a service column", body: PropSchema, response: ColumnSchema, created: true }, (c, f) => addColumnProps(c, f, false));
  both("post", "addServiceColumnProps/:serviceName/:columnName", { summary: "Add props to a service column", body: z.array(PropSchema), response: ColumnSchema, created: true }, (c, f) => addColumnProps(c, f, true));

  both("post", "createLabel", { summary: "Create a label (an edge type)", body: CreateLabelSchema, response: LabelSchema, created: true }, async (c, family) => {
    const body = parseWith(CreateLabelSchema, await readJson(c));
    const label = await registry.createLabel(body);
    c.get("log").info({ label: label.label, service: label.serviceName }, "label created");
    return created(c, family, labelJson(label));
  });

  both("get", "getLabel/:labelName", { summary: "Get a label", response: LabelSchema }, (c) => {
    return c.json(labelJson(registry.requireLabel(c.req.param("labelName") ?? "")));
  });

  const getLabels = (c: Context<AppEnv>, family: Family) => {
    const serviceName = c.req.param("serviceName") ?? "";
    registry.requireService(serviceName);
    const labels = registry.allLabels();
    if (family === "admin") return c.json(labels.filter((l) => l.serviceName === serviceName).map(labelJson));
    // The Play server answers the labels that start and end in the service.
    return c.json({
      from: labels.filter((l) => l.srcServiceName === serviceName).map(labelJson),
      to: labels.filter((l) => l.tgtServiceName === serviceName).map(labelJson),
    });
  };
  both("get", "getLabels/:serviceName", { summary: "List a service's labels (Play: {from, to}; akka-http: the labels it owns)" }, getLabels);
  app.get("/admin/labels/:serviceName", (c) => {
    requireAdmin(c.get("principal"));
    return getLabels(c, "admin");
  });
  contract.add({ method: "get", path: "/admin/labels/:serviceName", summary: "List the labels a service owns", tag: "admin (S2Graph akka-http paths)", auth: "admin" });

  both("post", "addProp/:labelName", { summary: "Add a prop to a label", body: PropSchema, response: LabelSchema, created: true }, async (c, family) => {
    const body = parseWith(PropSchema, await readJson(c));
    return created(c, family, labelJson(await registry.addLabelProp(c.req.param("labelName") ?? "", body)));
  });

  both("post", "addIndex", { summary: "Add indices to a label", body: AddIndexSchema, response: LabelSchema, created: true }, async (c, family) => {
    const body = parseWith(AddIndexSchema, await readJson(c));
    return created(c, family, labelJson(await registry.addLabelIndices(body.label, body.indices)));
  });

  both("put", "deleteLabelReally/:labelName", { summary: "Delete a label and its definition", response: LabelSchema }, async (c) => {
    const label = await registry.deleteLabel(c.req.param("labelName") ?? "");
    c.get("log").info({ label: label.label }, "label deleted");
    return c.json(labelJson(label));
  });
}
