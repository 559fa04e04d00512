import { contosoScenario } from './contoso.js';
import type { ScenarioInput } from './schema.js';

/**
 * Built-in scenarios: `contoso`, and one variant of it per administrator
 * control of FLOWS.md part D, so a control can be shown by naming it
 * (`hma-lab flow --scenario hma-off --user alice@contoso.com`).
 */
function variant(
  name: string,
  description: string,
  change: (s: ScenarioInput) => void,
): ScenarioInput {
  const scenario = structuredClone(contosoScenario);
  scenario.name = name;
  scenario.description = description;
  change(scenario);
  return scenario;
}

export const BUILT_IN_SCENARIOS: Readonly<Record<string, ScenarioInput>> = {
  contoso: contosoScenario,
  'managed-phs': variant(
    'managed-phs',
    'contoso.com is a managed domain with password hash sync: Entra checks passwords itself, no AD FS hop (steps 8-11 disappear).',
    (s) => {
      s.domains = s.domains.map((d) =>
        d.name === 'contoso.com' ? { name: d.name, authentication: 'phs' } : d,
      );
    },
  ),
  pta: variant(
    'pta',
    'contoso.com uses pass-through authentication: Entra validates the password against on-premises AD through its agent; no AD FS hop.',
    (s) => {
      s.domains = s.domains.map((d) =>
        d.name === 'contoso.com' ? { name: d.name, authentication: 'pta' } : d,
      );
    },
  ),
  'mfa-off': variant(
    'mfa-off',
    'No conditional access policy: nobody is asked for MFA (step 14 disappears).',
    (s) => {
      s.conditionalAccess = [];
    },
  ),
  'ca-block': variant(
    'ca-block',
    'Conditional access blocks Exchange Online for alice: sign-in stops at step 13 with AADSTS53003.',
    (s) => {
      s.conditionalAccess = [
        {
          name: 'Block Exchange Online (Alice)',
          users: { include: ['alice@contoso.com'] },
          applications: { include: ['00000002-0000-0ff1-ce00-000000000000'] },
          grant: { controls: ['block'] },
        },
      ];
    },
  ),
  'hma-off': variant(
    'hma-off',
    'Hybrid modern authentication is not enabled on-premises (EvoSTS is not the default authorization endpoint): the 401 challenge has no authorization_uri and the flow stops at step 5.',
    (s) => {
      s.exchange.onprem.hma = { enabled: false };
    },
  ),
  'basic-auth-blocked': variant(
    'basic-auth-blocked',
    'An on-premises authentication policy blocks legacy (Basic) authentication for ActiveSync and AutoDiscover as the organisation default; Exchange Online allows no Basic either.',
    (s) => {
      s.exchange.onprem.authenticationPolicies = [
        {
          name: 'Block Legacy Auth',
          blockLegacyAuthActiveSync: true,
          blockLegacyAuthAutodiscover: true,
        },
      ];
      s.exchange.onprem.defaultAuthenticationPolicy = 'Block Legacy Auth';
    },
  ),
  'exchange-2010': variant(
    'exchange-2010',
    "Alice's mailbox is on Exchange 2010, which cannot use OAuth: Exchange Online refuses to provision it (step 16), so the app cannot add the account with HMA.",
    (s) => {
      const alice = s.users.find((u) => u.upn === 'alice@contoso.com')!;
      alice.mailbox = { location: 'onprem', exchangeVersion: '2010' };
    },
  ),
  'basic-auth': variant(
    'basic-auth',
    "Flow C's prerequisites: the Outlook cloud service may connect to on-premises ActiveSync with Basic authentication (no DeviceModel block rule for Outlook for iOS and Android, Basic not blocked).",
    (s) => {
      s.exchange.onprem.deviceAccess = {
        defaultAccessLevel: 'Allow',
        rules: [
          { characteristic: 'DeviceType', queryString: 'OutlookService', accessLevel: 'Allow' },
        ],
      };
    },
  ),
  'ssl-offload': variant(
    'ssl-offload',
    'TLS is terminated at a load balancer in front of Exchange: Exchange sees http:// and rejects AT2 (audience https://...) with 2000003 at step 19.',
    (s) => {
      s.exchange.onprem.sslOffload = true;
    },
  ),
};
