import type { Directory, User } from '@hma-lab/core';

/**
 * One AD FS farm as the scenario describes it: the federated domains that
 * share an `adfsHost`, the public proxy host in front of it, and its identity.
 */
export interface Farm {
  /** Internal host of the farm (`federation.adfsHost`). */
  adfsHost: string;
  /** Public host of the proxy in front of it (`federation.wapHost`). */
  wapHost: string;
  /** The farm's identifier (SAML `Issuer`) as its first domain declares it. */
  issuer: string;
  brandName: string;
  /** Federated domains whose users this farm signs in (lower case). */
  domains: string[];
}

/** Every farm of the scenario, in the order its domains are listed. */
export function farmsOf(directory: Directory): Farm[] {
  const farms = new Map<string, Farm>();
  for (const domain of directory.scenario.domains) {
    const federation = domain.federation;
    if (domain.authentication !== 'federated' || !federation) continue;
    const key = federation.adfsHost.toLowerCase();
    const farm = farms.get(key);
    if (farm) farm.domains.push(domain.name.toLowerCase());
    else
      farms.set(key, {
        adfsHost: federation.adfsHost,
        wapHost: federation.wapHost,
        issuer: federation.issuer,
        brandName: federation.brandName,
        domains: [domain.name.toLowerCase()],
      });
  }
  return [...farms.values()];
}

/**
 * The farm a request addressed, by host name; a host the scenario does not
 * name (a loopback address) falls back to the first farm.
 */
export function farmForHost(
  directory: Directory,
  host: string,
  side: 'adfsHost' | 'wapHost',
): Farm | undefined {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const farms = farmsOf(directory);
  return farms.find((farm) => farm[side].toLowerCase() === name) ?? farms[0];
}

/**
 * The issuer AD FS signs a user's token with: the user's own domain's
 * `federation.issuer` (with `-SupportMultipleDomain` each domain has its own).
 */
export function issuerFor(directory: Directory, farm: Farm, user: User): string {
  return directory.domainOf(user.upn)?.federation?.issuer ?? farm.issuer;
}
