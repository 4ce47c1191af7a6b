/**
 * Authentication and tenant authorization.
 *
 * `Authorization: Bearer <token>`. The admin token may call everything; a service's access
 * token may mutate and query only labels whose `serviceName` is its service, and never call
 * admin endpoints. Tokens are stored only as SHA-256 hashes; a presented token is hashed and
 * the hashes compared in constant time, so neither the store nor the timing reveals a token.
 * Service tokens are 256 random bits, so a hash without salt is enough: there is nothing to
 * guess from.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { EdgeflowError, type LabelDef, type ServiceDef } from "../../lib/index.ts";
import type { Registry } from "../registry/index.ts";

export type Principal = { kind: "admin" } | { kind: "service"; service: ServiceDef };

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random token: 32 bytes (256 bits), base64url, with a prefix that tells what it is. */
export function generateToken(prefix: "efa" | "efs"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AdminTokenSetup {
  /** The admin token's hash, checked on every admin call. */
  adminTokenHash: string;
  /** Set only when the token was generated on this start: print it once, never again. */
  generatedToken: string | undefined;
}

/**
 * Resolves the admin token: a configured one wins; otherwise the hash stored on an earlier
 * start; otherwise a new token is generated, its hash stored, and the token returned once.
 */
export async function setUpAdminToken(registry: Registry, configured: string | undefined): Promise<AdminTokenSetup> {
  if (configured !== undefined) return { adminTokenHash: hashToken(configured), generatedToken: undefined };
  const stored = registry.getMeta("admin_token_hash");
  if (stored) return { adminTokenHash: stored, generatedToken: undefined };
  const token = generateToken("efa");
  const hash = hashToken(token);
  await registry.setMeta("admin_token_hash", hash);
  return { adminTokenHash: hash, generatedToken: token };
}

export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export class Authenticator {
  constructor(
    private readonly registry: Registry,
    private readonly adminTokenHash: string,
  ) {}

  /** Who is calling; throws `unauthorized` for a missing or unknown token. */
  authenticate(authorization: string | undefined | null): Principal {
    const token = bearerToken(authorization);
    if (token === undefined) {
      throw new EdgeflowError("unauthorized", "missing_token", "this call needs an Authorization: Bearer <token> header");
    }
    const hash = hashToken(token);
    if (sameHash(hash, this.adminTokenHash)) return { kind: "admin" };
    const service = this.registry.serviceByTokenHash(hash);
    if (service && sameHash(hash, service.accessTokenHash)) return { kind: "service", service };
    throw new EdgeflowError("unauthorized", "unknown_token", "the bearer token is not known");
  }
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") {
    throw new EdgeflowError("forbidden", "admin_only", "this call needs the admin token; a service token may only mutate and query its own labels");
  }
}

/** A service token may touch only its own service's labels and vertices. */
export function requireService(principal: Principal, serviceName: string): void {
  if (principal.kind === "admin" || principal.service.serviceName === serviceName) return;
  throw new EdgeflowError("forbidden", "other_tenant", `this token belongs to service ${JSON.stringify(principal.service.serviceName)} and may not touch service ${JSON.stringify(serviceName)}`);
}

export function requireLabelAccess(principal: Principal, label: LabelDef): void {
  requireService(principal, label.serviceName);
}
