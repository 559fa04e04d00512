import type { Directory } from '@hma-lab/core';
import { EntraError } from '../errors.js';

/** How the `{tenant}` path segment named the tenant. */
export type TenantKind = 'id' | 'domain' | 'common' | 'organizations';

/** A resolved `{tenant}` path segment. */
export interface TenantRef {
  /** The segment as the caller wrote it. */
  segment: string;
  kind: TenantKind;
  /** The lab tenant's id (every form resolves to the one tenant). */
  tenantId: string;
  /**
   * The segment endpoints in metadata use: `common` / `organizations` stay,
   * domain names become the tenant id (as Entra does).
   */
  endpointSegment: string;
}

/**
 * Resolves the `{tenant}` segment of an Entra URL: the tenant id, one of the
 * tenant's domain names (including the initial `*.onmicrosoft.com`), `common`
 * or `organizations`. Anything else is AADSTS90002.
 */
export function resolveTenant(directory: Directory, segment: string): TenantRef {
  const tenant = directory.tenant;
  const lower = segment.toLowerCase();
  // Whole literals: after a leading spread, V8 (Node 20) adds each property
  // through a slow path (~1 µs for this on every Entra request).
  if (lower === 'common' || lower === 'organizations') {
    return { segment, tenantId: tenant.id, kind: lower, endpointSegment: lower };
  }
  if (lower === tenant.id.toLowerCase()) {
    return { segment, tenantId: tenant.id, kind: 'id', endpointSegment: tenant.id };
  }
  if (lower === tenant.name.toLowerCase() || directory.domain(lower)) {
    return { segment, tenantId: tenant.id, kind: 'domain', endpointSegment: tenant.id };
  }
  throw new EntraError(
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** True for the multi-tenant forms (`common`, `organizations`). */
export function isMultiTenant(ref: TenantRef): boolean {
  return ref.kind === 'common' || ref.kind === 'organizations';
}
