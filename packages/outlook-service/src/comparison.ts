/**
 * Flow C beside flow A, as rows a CLI or a page can print (docs/basic-vs-hma.md
 * tells the same in prose). Statements restate seeds 000/001 (flow C) and
 * FLOWS.md part A; where the lab adds a choice, the row says "lab".
 */
export interface ComparisonRow {
  topic: string;
  /** Flow A: hybrid modern authentication. */
  hma: string;
  /** Flow C: basic authentication through the Outlook cloud service. */
  basic: string;
}

export const BASIC_VS_HMA: readonly ComparisonRow[] = [
  {
    topic: 'Where the user types the password',
    hma: 'AD FS sign-in page (federated) or Entra (managed); never in Outlook or its cloud',
    basic: 'In the Outlook app, which sends it to the Outlook cloud service',
  },
  {
    topic: 'Secrets crossing the wire (trace `secrets`)',
    hma: 'password: device -> WAP -> AD FS (or -> Entra); tokens AT1/RT1, AT2/RT2 elsewhere',
    basic:
      'password + device key: device -> Outlook service; password: Outlook service -> Exchange on every request (Basic)',
  },
  {
    topic: 'What the cloud keeps at rest',
    hma: 'RT2/AT2 for the on-prem namespace, and the cloud cache mailbox',
    basic: 'The password encrypted with the device key (ciphertext), and the synced mailbox data',
  },
  {
    topic: 'What the cloud keeps in memory',
    hma: 'Tokens while it syncs',
    basic: 'The decrypted password, while the user stays active (flushed after 3 days idle)',
  },
  {
    topic: 'What the device keeps',
    hma: 'AT1/RT1 (audience Exchange Online); no password',
    basic: 'The AES-128 device key; no password',
  },
  {
    topic: 'What an attacker needs for the password',
    hma: 'The password never leaves the identity provider: phishing or the IdP itself',
    basic:
      'Unauthorised access to the cloud service and the device key from the phone (or the cloud memory while the user is active)',
  },
  {
    topic: 'What an attacker needs for the mailbox',
    hma: 'A refresh token (RT1 on the device, RT2 in the cloud) until it is revoked or expires',
    basic: 'The password (any Basic client), or the cloud cache',
  },
  {
    topic: 'What the stolen credential also opens',
    hma: 'Only the token audience (Exchange Online or the on-prem EAS namespace)',
    basic: 'Everything the AD password opens (OWA, VPN, other Basic endpoints)',
  },
  {
    topic: 'MFA and conditional access',
    hma: 'Evaluated by Entra at sign-in (step 12-14)',
    basic: 'Not applicable: Exchange sees Basic from the cloud service',
  },
  {
    topic: 'How it ends',
    hma: 'Revoke sessions / password change (after directory sync); RT lifetimes (14 d idle, 90 d max)',
    basic:
      '3 days idle flushes memory; weekly job removes ciphertext and data; uninstall + 3-7 days; password change; block the app',
  },
  {
    topic: 'How Exchange sees the connection',
    hma: 'DeviceType OutlookService with a Bearer token (AT2)',
    basic:
      'DeviceType Outlook, DeviceModel "Outlook for iOS and Android" with Basic (lab choice, see README)',
  },
  {
    topic: 'How the administrator blocks it',
    hma: 'In Entra: conditional access, disable the user, revoke sessions',
    basic:
      'DeviceModel/DeviceType device access rule, BlockLegacyAuthActiveSync, Basic off on the EAS vdir',
  },
];
