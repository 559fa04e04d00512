import type { App, ConditionalAccessPolicy, Directory, User } from '@hma-lab/core';
import type { AadstsCode } from '../errors.js';
import { stableGuid } from './ids.js';

/**
 * Conditional access (FLOWS.md step 12): which enabled policies apply to a
 * user, resource and client, and what they demand.
 *
 * - Users: a UPN or `All` in `include`, minus `exclude`.
 * - Applications: the resource's appId, one of its identifier URIs / SPNs, or `All`.
 * - Client app types: public clients are `mobileAppsAndDesktopClients`,
 *   confidential ones `browser`; on-behalf-of and refresh match either.
 * - Grant controls: `block` blocks; `mfa` is satisfied by `mfa` in the amr;
 *   `approvedApplication` / `compliantApplication` by a client in
 *   `approvedClientAppIds`; `compliantDevice` / `domainJoinedDevice` only when the
 *   request claims them (x-hma-lab-device header or config). Policies combine with
 *   AND; a policy's controls with its operator.
 */

export type ClientAppType = 'browser' | 'mobileAppsAndDesktopClients' | 'any';

export interface CaInput {
  user: User;
  resource: App;
  client: App;
  amr: readonly string[];
  clientAppType: ClientAppType;
  deviceControls: readonly string[];
  approvedClientAppIds: readonly string[];
}

export interface CaOutcome {
  /** Names of the policies that applied. */
  policies: string[];
  /** Stable ids of the applied policies (for claims challenges). */
  policyIds: string[];
  /** `grant`: nothing more needed; `mfa`: MFA needed and not done; `block`: no token. */
  result: 'grant' | 'mfa' | 'block';
  /** Controls demanded (union over applied policies). */
  requiredControls: string[];
  /** For `block`: the AADSTS code and the control that failed. */
  blocked?: { code: AadstsCode; control: string; policy: string };
}

function matchesUser(policy: ConditionalAccessPolicy, user: User): boolean {
  const upn = user.upn.toLowerCase();
  const listed = (list: readonly string[]) =>
    list.some((entry) => entry === 'All' || entry.toLowerCase() === upn);
  const excluded = policy.users.exclude.some((entry) => entry.toLowerCase() === upn);
  return listed(policy.users.include) && !excluded;
}

function matchesApp(policy: ConditionalAccessPolicy, resource: App, directory: Directory): boolean {
  const names = (list: readonly string[]) =>
    list.some(
      (entry) =>
        entry === 'All' ||
        entry.toLowerCase() === resource.appId.toLowerCase() ||
        directory.resource(entry)?.appId.toLowerCase() === resource.appId.toLowerCase(),
    );
  const excluded = policy.applications.exclude.some(
    (entry) =>
      entry.toLowerCase() === resource.appId.toLowerCase() ||
      directory.resource(entry)?.appId.toLowerCase() === resource.appId.toLowerCase(),
  );
  return names(policy.applications.include) && !excluded;
}

function matchesClientApp(policy: ConditionalAccessPolicy, type: ClientAppType): boolean {
  if (type === 'any') {
    return policy.clientApps.some((t) => t === 'browser' || t === 'mobileAppsAndDesktopClients');
  }
  return policy.clientApps.includes(type);
}

const CONTROL_CODES: Record<string, AadstsCode> = {
  block: 53003,
  compliantDevice: 53000,
  domainJoinedDevice: 53001,
  approvedApplication: 53002,
  compliantApplication: 53002,
};

/** A stable GUID for a policy (Entra policy ids appear in claims challenges). */
export function policyId(tenantId: string, policy: ConditionalAccessPolicy): string {
  return stableGuid('ca-policy', tenantId, policy.name);
}

/** Evaluates every enabled policy for one sign-in or token request. */
export function evaluateConditionalAccess(directory: Directory, input: CaInput): CaOutcome {
  const applied = directory
    .conditionalAccess()
    .filter(
      (p) =>
        p.state === 'enabled' &&
        matchesUser(p, input.user) &&
        matchesApp(p, input.resource, directory) &&
        matchesClientApp(p, input.clientAppType),
    );
  const hasMfa = input.amr.includes('mfa');
  const satisfied = (control: string): boolean => {
    switch (control) {
      case 'mfa':
        return hasMfa;
      case 'approvedApplication':
      case 'compliantApplication':
        return input.approvedClientAppIds.some(
          (id) => id.toLowerCase() === input.client.appId.toLowerCase(),
        );
      case 'compliantDevice':
      case 'domainJoinedDevice':
        return input.deviceControls.includes(control);
      default:
        return false;
    }
  };
  const required = new Set<string>();
  let needsMfa = false;
  let blocked: CaOutcome['blocked'];
  for (const policy of applied) {
    const controls = policy.grant.controls;
    controls.forEach((c) => required.add(c));
    if (controls.includes('block')) {
      blocked ??= { code: 53003, control: 'block', policy: policy.name };
      continue;
    }
    if (policy.grant.operator === 'OR') {
      if (controls.some(satisfied)) continue;
      if (controls.includes('mfa')) {
        needsMfa = true;
        continue;
      }
      const control = controls[0]!;
      blocked ??= { code: CONTROL_CODES[control] ?? 53003, control, policy: policy.name };
      continue;
    }
    for (const control of controls) {
      if (satisfied(control)) continue;
      if (control === 'mfa') needsMfa = true;
      else blocked ??= { code: CONTROL_CODES[control] ?? 53003, control, policy: policy.name };
    }
  }
  const tenantId = directory.tenant.id;
  return {
    policies: applied.map((p) => p.name),
    policyIds: applied.map((p) => policyId(tenantId, p)),
    result: blocked ? 'block' : needsMfa ? 'mfa' : 'grant',
    requiredControls: [...required],
    ...(blocked ? { blocked } : {}),
  };
}

/** The client app type CA sees for an interactive client. */
export function clientAppTypeOf(client: App): ClientAppType {
  return client.publicClient ? 'mobileAppsAndDesktopClients' : 'browser';
}
