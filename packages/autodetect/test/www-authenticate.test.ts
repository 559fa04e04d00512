import { authorizationUriOf, parseChallenges } from '@hma-lab/autodetect';
import { EXO_CHALLENGE, ONPREM_CHALLENGE } from './fakes.js';

describe('WWW-Authenticate parsing', () => {
  it('splits the joined on-prem Bearer and Basic challenges without breaking quoted commas', () => {
    const challenges = parseChallenges(ONPREM_CHALLENGE.join(', '));
    expect(challenges.map((c) => c.scheme)).toEqual(['Bearer', 'Basic']);
    expect(challenges[0]!.params.trusted_issuers).toBe(
      '00000001-0000-0000-c000-000000000000@3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80,00000004-0000-0ff1-ce00-000000000000@contoso.com',
    );
    expect(challenges[0]!.params.token_types).toBe('app_asserted_user_v1 service_asserted_app_v1');
    expect(challenges[1]!.params.realm).toBe('mail.contoso.com');
    expect(authorizationUriOf(challenges)).toBe(
      'https://login.windows.net/common/oauth2/authorize',
    );
  });

  it('finds authorization_uri in a Bearer challenge that comes second', () => {
    expect(authorizationUriOf(parseChallenges(['Basic realm="x"', EXO_CHALLENGE]))).toBe(
      'https://login.microsoftonline.com/common/oauth2/authorize',
    );
  });

  it('reports no authorization_uri when HMA is off, and survives junk', () => {
    expect(
      authorizationUriOf(
        parseChallenges('Bearer client_id="00000002-0000-0ff1-ce00-000000000000", Basic realm="m"'),
      ),
    ).toBeUndefined();
    expect(parseChallenges('Negotiate abc==, NTLM')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'abc==' },
      { scheme: 'NTLM', params: {} },
    ]);
    expect(parseChallenges('=,,"x" Bearer realm="unterminated').at(-1)).toMatchObject({
      scheme: 'Bearer',
      params: { realm: 'unterminated' },
    });
    expect(parseChallenges('')).toEqual([]);
  });
});
