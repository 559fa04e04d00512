import type { ScenarioInput } from './schema.js';

/** Well-known application ids used across the lab. */
export const WELL_KNOWN_APPS = {
  /** Outlook for iOS and Android (public client). */
  outlookMobile: '27922004-5251-4030-b22d-91ecd9a37ea4',
  /** Office 365 Exchange Online (the resource, and the middle tier of on-behalf-of). */
  exchangeOnline: '00000002-0000-0ff1-ce00-000000000000',
  /** Microsoft Graph. */
  graph: '00000003-0000-0000-c000-000000000000',
  /** A confidential web app registered for tests of third-party clients. */
  labWebApp: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
} as const;

/** The published client secret of Exchange Online in the built-in scenarios. */
export const EXO_CLIENT_SECRET = 'exo-lab-secret-not-for-production';
/** The published client secret of the lab web app. */
export const LAB_WEB_APP_SECRET = 'web-lab-secret-not-for-production';

/**
 * The built-in scenario "contoso" (docs/scenario.md): a hybrid organisation with
 * a federated domain (contoso.com through AD FS), a managed one (fabrikam.com,
 * password hash sync), and one user per interesting case.
 */
export const contosoScenario: ScenarioInput = {
  name: 'contoso',
  description:
    'Hybrid Contoso: contoso.com federated through AD FS, fabrikam.com managed (PHS), ' +
    'on-premises Exchange 2019 with HMA enabled, and one Exchange 2010 mailbox.',
  tenant: {
    id: '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80',
    name: 'contoso.onmicrosoft.com',
    displayName: 'Contoso',
  },
  domains: [
    {
      name: 'contoso.com',
      authentication: 'federated',
      federation: {
        wapHost: 'sts.contoso.com',
        adfsHost: 'adfs.contoso.local',
        issuer: 'http://sts.contoso.com/adfs/services/trust',
        brandName: 'Contoso',
      },
    },
    { name: 'fabrikam.com', authentication: 'phs' },
    { name: 'contoso.onmicrosoft.com', authentication: 'phs' },
  ],
  users: [
    {
      upn: 'alice@contoso.com',
      objectId: 'a11ce000-5e7a-4b1c-9d2e-0000000a11ce',
      displayName: 'Alice Wong',
      givenName: 'Alice',
      surname: 'Wong',
      password: 'Passw0rd!',
      immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
      onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
      mfa: { method: 'totp', secret: 'JBSWY3DPEHPK3PXP' },
      mailbox: { location: 'onprem', exchangeVersion: '2019' },
    },
    {
      upn: 'bob@contoso.com',
      objectId: 'b0b00000-5e7a-4b1c-9d2e-000000000b0b',
      displayName: 'Bob Kelly',
      givenName: 'Bob',
      surname: 'Kelly',
      password: 'Passw0rd!',
      immutableId: 'Ym9iLWltbXV0YWJsZS1pZA==',
      mailbox: { location: 'exo' },
    },
    {
      upn: 'carol@contoso.com',
      objectId: 'ca101000-5e7a-4b1c-9d2e-00000000ca10',
      displayName: 'Carol Diaz',
      givenName: 'Carol',
      surname: 'Diaz',
      password: 'Passw0rd!',
      immutableId: 'Y2Fyb2wtaW1tdXRhYmxlLWlk',
      onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1107',
      mailbox: { location: 'onprem', exchangeVersion: '2010' },
    },
    {
      upn: 'dave@fabrikam.com',
      objectId: 'da7e0000-5e7a-4b1c-9d2e-00000000da7e',
      displayName: 'Dave Fischer',
      givenName: 'Dave',
      surname: 'Fischer',
      password: 'Passw0rd!',
      onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1108',
      mailbox: { location: 'onprem', exchangeVersion: '2019' },
    },
  ],
  apps: [
    {
      appId: WELL_KNOWN_APPS.outlookMobile,
      displayName: 'Outlook Mobile',
      publicClient: true,
      redirectUris: [
        'msauth.com.microsoft.Office.Outlook://auth',
        'urn:ietf:wg:oauth:2.0:oob',
        'http://localhost',
      ],
      requiredResourceAccess: [
        {
          resourceAppId: WELL_KNOWN_APPS.exchangeOnline,
          scopes: [
            'EAS.AccessAsUser.All',
            'EWS.AccessAsUser.All',
            'Mail.ReadWrite',
            'Calendars.ReadWrite',
            'Contacts.ReadWrite',
          ],
        },
        { resourceAppId: WELL_KNOWN_APPS.graph, scopes: ['User.Read'] },
      ],
    },
    {
      appId: WELL_KNOWN_APPS.exchangeOnline,
      displayName: 'Office 365 Exchange Online',
      publicClient: false,
      secrets: [EXO_CLIENT_SECRET],
      identifierUris: [
        'https://outlook.office365.com',
        'https://outlook.office.com',
        'https://outlook.office365.com/',
        'https://outlook.office.com/',
      ],
      // Registered by the Hybrid Configuration Wizard: the on-prem namespaces.
      servicePrincipalNames: [
        'https://mail.contoso.com',
        'https://autodiscover.contoso.com',
        'https://autodiscover.fabrikam.com',
      ],
      scopes: [
        'EAS.AccessAsUser.All',
        'EWS.AccessAsUser.All',
        'Mail.ReadWrite',
        'Calendars.ReadWrite',
        'Contacts.ReadWrite',
      ],
      appRoles: ['full_access_as_app'],
      requiredResourceAccess: [
        {
          resourceAppId: WELL_KNOWN_APPS.exchangeOnline,
          scopes: ['EAS.AccessAsUser.All', 'EWS.AccessAsUser.All'],
        },
      ],
    },
    {
      appId: WELL_KNOWN_APPS.graph,
      displayName: 'Microsoft Graph',
      publicClient: false,
      identifierUris: ['https://graph.microsoft.com', 'https://graph.microsoft.com/'],
      scopes: ['User.Read', 'Mail.Read', 'offline_access', 'openid', 'profile', 'email'],
      appRoles: ['User.Read.All'],
    },
    {
      appId: WELL_KNOWN_APPS.labWebApp,
      displayName: 'hma-lab Web Client',
      publicClient: false,
      secrets: [LAB_WEB_APP_SECRET],
      certificates: ['testClient'],
      redirectUris: ['http://localhost/callback', 'https://app.contoso.com/callback'],
      identifierUris: ['api://hma-lab-web'],
      scopes: ['access_as_user'],
      requiredResourceAccess: [
        { resourceAppId: WELL_KNOWN_APPS.graph, scopes: ['User.Read'], roles: ['User.Read.All'] },
        {
          resourceAppId: WELL_KNOWN_APPS.exchangeOnline,
          scopes: ['EAS.AccessAsUser.All'],
          roles: ['full_access_as_app'],
        },
      ],
    },
  ],
  conditionalAccess: [
    {
      name: 'Require MFA for Exchange Online (Alice)',
      users: { include: ['alice@contoso.com'] },
      applications: { include: [WELL_KNOWN_APPS.exchangeOnline] },
      grant: { controls: ['mfa'] },
    },
  ],
  exchange: {
    onprem: {
      organization: 'Contoso',
      easHost: 'mail.contoso.com',
      deviceAccess: {
        defaultAccessLevel: 'Allow',
        rules: [
          // The pair HMA-DOC recommends: allow Exchange Online's sync service,
          // block the app connecting directly with basic auth.
          { characteristic: 'DeviceType', queryString: 'OutlookService', accessLevel: 'Allow' },
          {
            characteristic: 'DeviceModel',
            queryString: 'Outlook for iOS and Android',
            accessLevel: 'Block',
          },
        ],
      },
    },
  },
};
