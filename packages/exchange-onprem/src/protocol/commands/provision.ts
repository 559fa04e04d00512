import { randomInt } from 'node:crypto';
import { child, el, textOf, type EasElement } from '@hma-lab/activesync';
import type { EasPolicy } from '@hma-lab/core';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { recordDeviceInformation } from '../device-information.js';
import { atLeast } from '../versions.js';

/**
 * Provision (MS-ASPROV), two-phase: the first request (no key) gets the
 * policy document and a temporary PolicyKey; the acknowledgment with that key
 * gets the final key, which the device then sends as `X-MS-PolicyKey`.
 * A pending remote wipe answers any Provision with `RemoteWipe`; the device's
 * acknowledgment is recorded. Access rules are applied once the request's
 * DeviceInformation is known (Status 129 for a blocked device).
 *
 * Policy Status: 1 ok, 3 unknown PolicyType, 5 the acknowledged key is not
 * the one issued.
 */
export function provisionCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const device = ctx.device;
  const hadInfo = recordDeviceInformation(request, device);
  const infoStatus = hadInfo
    ? el('Settings:DeviceInformation', el('Settings:Status', 1))
    : undefined;

  const wipeAck = child(request, 'Provision:RemoteWipe');
  if (wipeAck && device.wipe !== 'none') {
    device.wipe = 'acknowledged';
    ctx.event('onprem.eas.wipe.acknowledged', `${device.deviceId} acknowledged the remote wipe`, {
      deviceId: device.deviceId,
      status: textOf(wipeAck, 'Provision:Status'),
    });
    return { body: el('Provision:Provision', infoStatus, el('Provision:Status', 1)) };
  }
  if (device.wipe !== 'none') {
    ctx.event('onprem.eas.wipe.sent', `remote wipe sent to ${device.deviceId}`, {
      deviceId: device.deviceId,
    });
    return {
      body: el(
        'Provision:Provision',
        infoStatus,
        el('Provision:Status', 1),
        el('Provision:RemoteWipe'),
      ),
    };
  }

  const access = ctx.access();
  if (
    access.level === 'Block' ||
    (access.level === 'Quarantine' && ctx.config.quarantine === 'block')
  ) {
    throw new EasStatusError(129, `device ${device.deviceId} is blocked (${access.reason})`);
  }

  const policy = child(child(request, 'Provision:Policies') ?? el('x'), 'Provision:Policy');
  if (!policy) throw new EasStatusError(2, 'Provision without Policies/Policy');
  const expectedType = atLeast(ctx.protocolVersion, '12.0')
    ? 'MS-EAS-Provisioning-WBXML'
    : 'MS-WAP-Provisioning-XML';
  const policyType = textOf(policy, 'Provision:PolicyType') ?? '';
  const acknowledgedKey = textOf(policy, 'Provision:PolicyKey');
  const respond = (status: number, key?: string, data?: EasElement): CommandResult => ({
    body: el(
      'Provision:Provision',
      infoStatus,
      el('Provision:Status', 1),
      el(
        'Provision:Policies',
        el(
          'Provision:Policy',
          el('Provision:PolicyType', policyType),
          el('Provision:Status', status),
          key !== undefined && el('Provision:PolicyKey', key),
          data,
        ),
      ),
    ),
  });
  if (policyType !== expectedType) return respond(3);

  const { revision, settings } = ctx.policy();
  if (acknowledgedKey === undefined || acknowledgedKey === '0') {
    const pending = String(randomInt(1, 4_294_967_295));
    device.policy.pendingKey = pending;
    ctx.event('onprem.eas.provision.policy-sent', `policy sent to ${device.deviceId}`, {
      deviceId: device.deviceId,
      revision,
    });
    return respond(1, pending, el('Provision:Data', policyDocument(settings, ctx.protocolVersion)));
  }
  if (acknowledgedKey === device.policy.pendingKey) {
    const final = String(randomInt(1, 4_294_967_295));
    device.policy = { key: final, revision };
    ctx.event('onprem.eas.provision.acknowledged', `${device.deviceId} is provisioned`, {
      deviceId: device.deviceId,
      clientStatus: textOf(policy, 'Provision:Status'),
    });
    return respond(1, final);
  }
  if (acknowledgedKey === device.policy.key && device.policy.revision === revision) {
    // A retried acknowledgment: the same final key again.
    return respond(1, device.policy.key);
  }
  return respond(5);
}

const flag = (value: boolean): number => (value ? 1 : 0);

/** The policy document of MS-ASPROV 2.2.2.27 (12.0+) or the WAP XML of 2.5. */
export function policyDocument(policy: EasPolicy, protocolVersion: string): EasElement | string {
  if (!atLeast(protocolVersion, '12.0')) {
    return (
      '<wap-provisioningdoc><characteristic type="SecurityPolicy">' +
      `<parm name="4131" value="${policy.devicePasswordEnabled ? 0 : 1}"/>` +
      '<parm name="4133" value="1"/></characteristic>' +
      '<characteristic type="Registry"><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\{50C13377-C66D-400C-889E-C316FC4AB374}">' +
      `<parm name="AEFrequencyType" value="${policy.maxInactivityTimeDeviceLockS > 0 ? 1 : 0}"/>` +
      `<parm name="AEFrequencyValue" value="${Math.round(policy.maxInactivityTimeDeviceLockS / 60)}"/>` +
      '</characteristic><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD">' +
      `<parm name="DeviceWipeThreshold" value="${policy.maxDevicePasswordFailedAttempts}"/>` +
      '</characteristic><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw">' +
      `<parm name="MinimumPasswordLength" value="${policy.minDevicePasswordLength}"/>` +
      `<parm name="PasswordComplexity" value="${policy.alphanumericDevicePasswordRequired ? 0 : 2}"/>` +
      '</characteristic></characteristic></wap-provisioningdoc>'
    );
  }
  const p = (name: string, value: string | number): EasElement => el(`Provision:${name}`, value);
  const base = [
    p('DevicePasswordEnabled', flag(policy.devicePasswordEnabled)),
    p('AlphanumericDevicePasswordRequired', flag(policy.alphanumericDevicePasswordRequired)),
    p('PasswordRecoveryEnabled', 0),
    p('RequireStorageCardEncryption', 0),
    p('AttachmentsEnabled', flag(policy.attachmentsEnabled)),
    p('MinDevicePasswordLength', policy.minDevicePasswordLength),
    p('MaxInactivityTimeDeviceLock', policy.maxInactivityTimeDeviceLockS),
    p('MaxDevicePasswordFailedAttempts', policy.maxDevicePasswordFailedAttempts),
    el('Provision:MaxAttachmentSize'),
    p('AllowSimpleDevicePassword', 1),
    el('Provision:DevicePasswordExpiration'),
    p('DevicePasswordHistory', 0),
  ];
  const extended = atLeast(protocolVersion, '12.1')
    ? [
        p('AllowStorageCard', 1),
        p('AllowCamera', flag(policy.allowCamera)),
        p('RequireDeviceEncryption', flag(policy.requireDeviceEncryption)),
        p('AllowUnsignedApplications', 1),
        p('AllowUnsignedInstallationPackages', 1),
        p('MinDevicePasswordComplexCharacters', policy.alphanumericDevicePasswordRequired ? 3 : 1),
        p('AllowWiFi', 1),
        p('AllowTextMessaging', 1),
        p('AllowPOPIMAPEmail', 1),
        p('AllowBluetooth', 2),
        p('AllowIrDA', 1),
        p('RequireManualSyncWhenRoaming', 0),
        p('AllowDesktopSync', 1),
        p('MaxCalendarAgeFilter', 0),
        p('AllowHTMLEmail', 1),
        p('MaxEmailAgeFilter', 0),
        p('MaxEmailBodyTruncationSize', -1),
        p('MaxEmailHTMLBodyTruncationSize', -1),
        p('RequireSignedSMIMEMessages', 0),
        p('RequireEncryptedSMIMEMessages', 0),
        p('RequireSignedSMIMEAlgorithm', 0),
        p('RequireEncryptionSMIMEAlgorithm', 0),
        p('AllowSMIMEEncryptionAlgorithmNegotiation', 2),
        p('AllowSMIMESoftCerts', 1),
        p('AllowBrowser', 1),
        p('AllowConsumerEmail', 1),
        p('AllowRemoteDesktop', 1),
        p('AllowInternetSharing', 1),
        el('Provision:UnapprovedInROMApplicationList'),
        el('Provision:ApprovedApplicationList'),
      ]
    : [];
  return el('Provision:EASProvisionDoc', base, extended);
}
