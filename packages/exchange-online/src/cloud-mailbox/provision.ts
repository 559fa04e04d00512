import { randomInt } from 'node:crypto';
import { child, el, textOf, type EasElement } from '@hma-lab/activesync';
import type { EasCommandContext } from './eas-engine.js';

const PROVISION_DOC = 'MS-EAS-Provisioning-WBXML';
/** The 2.5 / 12.0 policy type; the engine answers it with the same document. */
const WAP_DOC = 'MS-WAP-Provisioning-XML';

const newPolicyKey = (): string => String(randomInt(1_000_000_000, 2_147_483_647));

export function provision(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const policy = request
    ? child(child(request, 'Provision:Policies') ?? request, 'Provision:Policy')
    : undefined;
  const type = (policy && textOf(policy, 'Provision:PolicyType')) ?? PROVISION_DOC;
  const acknowledged = policy ? textOf(policy, 'Provision:PolicyKey') : undefined;
  const deviceInformation = request && child(request, 'Settings:DeviceInformation');
  const info = deviceInformation
    ? el('Settings:DeviceInformation', el('Settings:Status', 1))
    : undefined;
  if (type !== PROVISION_DOC && type !== WAP_DOC) {
    // An unknown PolicyType (one read with NUL is "A\uFFFDB"): Policy Status 3 (MS-ASPROV 2.2.2.54.2).
    return provisionAnswer(info, type, 3);
  }
  if (acknowledged !== undefined) {
    // Phase 2: the client acknowledges the temporary key and gets the final one.
    if (acknowledged !== ctx.device.tempPolicyKey) return provisionAnswer(undefined, type, 5);
    ctx.device.policyKey = newPolicyKey();
    delete ctx.device.tempPolicyKey;
    return provisionAnswer(undefined, type, 1, el('Provision:PolicyKey', ctx.device.policyKey));
  }
  ctx.device.tempPolicyKey = newPolicyKey();
  return provisionAnswer(
    info,
    type,
    1,
    el('Provision:PolicyKey', ctx.device.tempPolicyKey),
    el(
      'Provision:Data',
      el(
        'Provision:EASProvisionDoc',
        el('Provision:DevicePasswordEnabled', 0),
        el('Provision:AlphanumericDevicePasswordRequired', 0),
        el('Provision:RequireStorageCardEncryption', 0),
        el('Provision:AttachmentsEnabled', 1),
        el('Provision:AllowCamera', 1),
        el('Provision:RequireDeviceEncryption', 0),
      ),
    ),
  );
}

/** A Provision answer (Status 1) with one Policy of `type` and `policyStatus`, then `rest`. */
function provisionAnswer(
  info: EasElement | undefined,
  type: string,
  policyStatus: number,
  ...rest: EasElement[]
): EasElement {
  return el(
    'Provision:Provision',
    info,
    el('Provision:Status', 1),
    el(
      'Provision:Policies',
      el(
        'Provision:Policy',
        el('Provision:PolicyType', type),
        el('Provision:Status', policyStatus),
        ...rest,
      ),
    ),
  );
}
