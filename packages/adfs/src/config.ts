/**
 * Settings of the two parties this package plays. Every option has a default
 * taken from AD FS's own defaults where one exists; the federation service's
 * names, issuer and branding come from the scenario (`domains[].federation`).
 */

/** The WS-Federation realm (`wtrealm`) of Microsoft Entra ID: the only relying party here. */
export const MICROSOFT_ONLINE_REALM = 'urn:federation:MicrosoftOnline';

export interface AdfsConfig {
  /**
   * Where the token goes: the passive endpoint of the relying party
   * (`PassiveRequestorEndpoint`). Default `https://login.microsoftonline.com/login.srf`
   * from the host map. `wreply` in the request is ignored, as AD FS does for a
   * reply URL that is not one of the trust's endpoints.
   */
  replyUrl?: string;
  /** Lifetime of the SAML assertion (`TokenLifetime` of the trust). Default 1 h. */
  tokenLifetimeMs: number;
  /** How far `NotBefore` is set before the issue instant, for clock skew at the relying party. Default 5 min. */
  notBeforeSkewMs: number;
  /** How long the `MSISAuth` session allows single sign-on (`SsoLifetime`, 480 min by default). */
  ssoLifetimeMs: number;
  /**
   * Loop detection (`EnableLoopDetection`): more than `maxTokens` tokens for one
   * browser session within `intervalMs` fails with MSIS7042. AD FS defaults: 5 in 20 s.
   * `false` switches it off.
   */
  loopDetection: { maxTokens: number; intervalMs: number } | false;
  /**
   * Emit the `insidecorporatenetwork` claim (true when the request did not come
   * through the proxy), as the Entra Connect claim rules do. Default true.
   */
  emitInsideCorporateNetwork: boolean;
  /**
   * Show the MSIS message under "Error details" on the error page. Real AD FS
   * writes it only to its event log (event 364); the lab shows it to teach. Default true.
   */
  showErrorDetails: boolean;
  /**
   * Largest WS-Trust message the `usernamemixed` endpoints read; a larger one is
   * answered 413 before it is parsed. Default 65,536 bytes, WCF's default
   * `MaxReceivedMessageSize` (an RST with a UsernameToken is about 2 KB).
   */
  wsTrustMaxMessageBytes: number;
}

export const DEFAULT_ADFS_CONFIG: AdfsConfig = {
  tokenLifetimeMs: 60 * 60 * 1000,
  notBeforeSkewMs: 5 * 60 * 1000,
  ssoLifetimeMs: 480 * 60 * 1000,
  loopDetection: { maxTokens: 5, intervalMs: 20_000 },
  emitInsideCorporateNetwork: true,
  showErrorDetails: true,
  wsTrustMaxMessageBytes: 65_536,
};

export interface WapConfig {
  /** The proxy's name, sent to AD FS in `X-MS-Proxy` (a real WAP sends its machine name). Default `WAP01`. */
  proxyName: string;
  /**
   * Path prefixes the proxy publishes (case-insensitive). Everything else is a 404.
   * Default: `/adfs/` and the federation metadata document.
   */
  publishedPaths: readonly string[];
  /**
   * The AD FS host to forward to. Default: the `federation.adfsHost` of the
   * federated domain whose `wapHost` was addressed.
   */
  backendHost?: string;
}

export const DEFAULT_WAP_CONFIG: WapConfig = {
  proxyName: 'WAP01',
  publishedPaths: ['/adfs/', '/FederationMetadata/2007-06/FederationMetadata.xml'],
};
