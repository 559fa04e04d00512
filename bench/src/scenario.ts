import { contosoScenario, type ScenarioInput } from '@hma-lab/core';

/**
 * The bench scenario: contoso, plus `count` generated users of the managed
 * domain fabrikam.com (password hash sync, so no AD FS hop: steps 8-11 do not
 * happen) with on-premises Exchange 2019 mailboxes holding the default seed,
 * and no MFA (no conditional access policy names them). Every user is a fresh
 * device owner: AutoDetect's cache and Exchange Online's accounts are per
 * user, so no flow is served from an earlier one.
 */
export function benchScenario(count: number, name = `bench-${count}`): ScenarioInput {
  const scenario = structuredClone(contosoScenario);
  scenario.name = name;
  scenario.description = `contoso plus ${count} managed-domain users with on-premises mailboxes (benchmarks)`;
  for (let i = 0; i < count; i++) scenario.users.push(benchUser(i));
  return scenario;
}

export const BENCH_PASSWORD = 'Bench-Passw0rd!';

export function benchUpn(i: number): string {
  return `user${String(i).padStart(5, '0')}@fabrikam.com`;
}

function benchUser(i: number): ScenarioInput['users'][number] {
  const hex = i.toString(16).padStart(12, '0');
  return {
    upn: benchUpn(i),
    objectId: `be0c0000-0000-4000-8000-${hex}`,
    displayName: `Bench User ${i}`,
    givenName: 'Bench',
    surname: `User ${i}`,
    password: BENCH_PASSWORD,
    onPremisesSid: `S-1-5-21-1004336348-1177238915-682003330-${20000 + i}`,
    mailbox: { location: 'onprem', exchangeVersion: '2019' },
  };
}
