import { createFixedKeyStore, TEST_START_MS, type User } from '@hma-lab/core';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import {
  buildFederationMetadata,
  buildWsFedResponse,
  immutableIdOf,
  SamlVerificationError,
  verifySamlAssertion,
  type SamlAssertionOptions,
} from '@hma-lab/adfs';

const keys = createFixedKeyStore();
const NOW = TEST_START_MS;
const ISSUER = 'http://sts.contoso.com/adfs/services/trust';
const base: SamlAssertionOptions = {
  issuer: ISSUER,
  immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
  upn: 'alice@contoso.com',
  nowMs: NOW,
  assertionId: '_a11ce',
  signingKey: keys.adfs,
};

/** Checks the enveloped signature with xml-crypto alone, against the trusted certificate. */
function xmlCryptoVerifies(xml: string, certificatePem: string, idAttribute?: string): boolean {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signature = doc.getElementsByTagNameNS(
    'http://www.w3.org/2000/09/xmldsig#',
    'Signature',
  )[0];
  const verifier = new SignedXml({
    publicCert: certificatePem,
    ...(idAttribute ? { idAttribute } : {}),
  });
  verifier.loadSignature(signature!.toString());
  try {
    return verifier.checkSignature(xml);
  } catch {
    return false;
  }
}

function failure(run: () => unknown): SamlVerificationError {
  try {
    run();
  } catch (error) {
    if (error instanceof SamlVerificationError) return error;
    throw error;
  }
  throw new Error('expected the verification to fail');
}

describe('buildWsFedResponse', () => {
  const wresult = buildWsFedResponse(base);

  it('is a WS-Trust RSTR for urn:federation:MicrosoftOnline carrying one SAML 1.1 assertion', () => {
    expect(wresult).toMatch(
      /^<t:RequestSecurityTokenResponse xmlns:t="http:\/\/schemas\.xmlsoap\.org\/ws\/2005\/02\/trust">/,
    );
    expect(wresult).toContain(
      '<wsa:Address>urn:federation:MicrosoftOnline</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>',
    );
    expect(wresult).toContain('>2026-01-05T09:00:00.000Z</wsu:Created>');
    expect(wresult).toContain('>2026-01-05T10:00:00.000Z</wsu:Expires>');
    expect(wresult).toContain(
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="_a11ce" Issuer="${ISSUER}" IssueInstant="2026-01-05T09:00:00.000Z">`,
    );
    expect(wresult).toContain('<ds:Reference URI="#_a11ce">');
    expect(wresult).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(wresult).toContain('Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"');
    expect(wresult).toContain(
      `<ds:X509Certificate>${keys.adfs.certificateBase64}</ds:X509Certificate>`,
    );
  });

  it('verifies with xml-crypto against the AD FS certificate, inside the RSTR', () => {
    expect(xmlCryptoVerifies(wresult, keys.adfs.certificatePem, 'AssertionID')).toBe(true);
    expect(xmlCryptoVerifies(wresult, keys.testClient.certificatePem, 'AssertionID')).toBe(false);
  });

  it('no longer verifies once the UPN is changed', () => {
    const tampered = wresult.replace('>alice@contoso.com<', '>bob@contoso.com<');
    expect(tampered).not.toBe(wresult);
    expect(xmlCryptoVerifies(tampered, keys.adfs.certificatePem, 'AssertionID')).toBe(false);
    expect(failure(() => verifySamlAssertion(tampered, keys.adfs.certificatePem)).reason).toBe(
      'bad_signature',
    );
  });

  it('carries the claims Entra needs, which verifySamlAssertion returns', () => {
    const claims = verifySamlAssertion(wresult, keys.adfs.certificatePem, { nowMs: NOW });
    expect(claims).toMatchObject({
      assertionId: '_a11ce',
      issuer: ISSUER,
      audiences: ['urn:federation:MicrosoftOnline'],
      notBefore: '2026-01-05T08:55:00.000Z',
      notOnOrAfter: '2026-01-05T10:00:00.000Z',
      nameIdentifier: 'YWxpY2UtaW1tdXRhYmxlLWlk',
      nameIdentifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      confirmationMethods: ['urn:oasis:names:tc:SAML:1.0:cm:bearer'],
      upn: 'alice@contoso.com',
      immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
      authnMethodsReferences: [
        'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
      ],
      authenticationMethod: 'urn:oasis:names:tc:SAML:1.0:am:password',
      authenticationInstant: '2026-01-05T09:00:00.000Z',
    });
    expect(claims.attributes['http://schemas.xmlsoap.org/claims/UPN']).toEqual([
      'alice@contoso.com',
    ]);
  });

  it('escapes values, so a hostile UPN cannot add elements', () => {
    const xml = buildWsFedResponse({ ...base, upn: 'x</saml:AttributeValue><evil/>&' });
    expect(verifySamlAssertion(xml, keys.adfs.certificatePem).upn).toBe(
      'x</saml:AttributeValue><evil/>&',
    );
  });
});

describe('verifySamlAssertion', () => {
  const wresult = buildWsFedResponse(base);
  const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(wresult)![0];

  it('accepts the bare assertion as well as the RSTR', () => {
    expect(verifySamlAssertion(assertion, keys.adfs.certificatePem).upn).toBe('alice@contoso.com');
  });

  it('accepts any of several trusted certificates (rollover)', () => {
    const certs = [keys.testClient.certificatePem, keys.adfs.certificatePem];
    expect(verifySamlAssertion(wresult, certs).upn).toBe('alice@contoso.com');
  });

  it('refuses a certificate it does not trust, even though KeyInfo names the signer', () => {
    expect(failure(() => verifySamlAssertion(wresult, keys.testClient.certificatePem)).reason).toBe(
      'bad_signature',
    );
  });

  it('enforces the validity window with the skew allowance', () => {
    const verify = (nowMs: number) =>
      verifySamlAssertion(wresult, keys.adfs.certificatePem, { nowMs, clockSkewMs: 60_000 });
    expect(verify(NOW + 60 * 60_000 + 59_000).upn).toBe('alice@contoso.com');
    expect(failure(() => verify(NOW + 60 * 60_000 + 60_000)).reason).toBe('expired');
    expect(failure(() => verify(NOW - 5 * 60_000 - 61_000)).reason).toBe('not_yet_valid');
  });

  it('checks the audience and, when asked, the issuer', () => {
    const other = buildWsFedResponse({ ...base, audience: 'urn:other:rp' });
    expect(failure(() => verifySamlAssertion(other, keys.adfs.certificatePem)).reason).toBe(
      'audience',
    );
    expect(verifySamlAssertion(other, keys.adfs.certificatePem, { audience: null }).upn).toBe(
      'alice@contoso.com',
    );
    expect(
      failure(() =>
        verifySamlAssertion(wresult, keys.adfs.certificatePem, { issuer: 'http://evil/trust' }),
      ).reason,
    ).toBe('issuer');
  });

  it('refuses an unsigned assertion, a second injected assertion and malformed XML', () => {
    const unsigned = assertion.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    expect(failure(() => verifySamlAssertion(unsigned, keys.adfs.certificatePem)).reason).toBe(
      'no_signature',
    );
    const forged = unsigned
      .replace('AssertionID="_a11ce"', 'AssertionID="_forged"')
      .replace('>alice@contoso.com<', '>bob@contoso.com<');
    const wrapped = wresult.replace(
      '<t:RequestedSecurityToken>',
      `<t:RequestedSecurityToken>${forged}`,
    );
    expect(failure(() => verifySamlAssertion(wrapped, keys.adfs.certificatePem)).reason).toBe(
      'multiple_assertions',
    );
    expect(failure(() => verifySamlAssertion('<t:RSTR', keys.adfs.certificatePem)).reason).toBe(
      'malformed',
    );
    expect(
      failure(() =>
        verifySamlAssertion('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', keys.adfs.certificatePem),
      ).reason,
    ).toBe('malformed');
    expect(failure(() => verifySamlAssertion('<x/>', keys.adfs.certificatePem)).reason).toBe(
      'no_assertion',
    );
  });
});

describe('immutableIdOf', () => {
  it('uses the scenario ImmutableID when there is one', () => {
    expect(
      immutableIdOf({
        objectId: 'a11ce000-5e7a-4b1c-9d2e-0000000a11ce',
        immutableId: 'abc',
      } as User),
    ).toBe('abc');
  });

  it('otherwise derives it from the object id like Entra Connect does from objectGUID', () => {
    // .NET Guid.ToByteArray(): the first three groups are little-endian.
    const expected = Buffer.from('00007eda7a5e1c4b9d2e00000000da7e', 'hex').toString('base64');
    expect(immutableIdOf({ objectId: 'da7e0000-5e7a-4b1c-9d2e-00000000da7e' } as User)).toBe(
      expected,
    );
  });
});

describe('buildFederationMetadata', () => {
  it('publishes the signing certificate and passive endpoint, signed with the same key', () => {
    const xml = buildFederationMetadata({
      entityId: ISSUER,
      passiveEndpoint: 'https://sts.contoso.com/adfs/ls/',
      signingCertificateBase64: keys.adfs.certificateBase64,
      signingKey: keys.adfs,
    });
    expect(xml).toMatch(
      /^<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" ID="_[0-9a-f]{32}" entityID="http:\/\/sts\.contoso\.com\/adfs\/services\/trust"><ds:Signature/,
    );
    expect(xml).toContain('<wsa:Address>https://sts.contoso.com/adfs/ls/</wsa:Address>');
    expect(xml).toContain(`<X509Certificate>${keys.adfs.certificateBase64}</X509Certificate>`);
    expect(xmlCryptoVerifies(xml, keys.adfs.certificatePem)).toBe(true);
    expect(xmlCryptoVerifies(xml.replace('/adfs/ls/<', '/evil/<'), keys.adfs.certificatePem)).toBe(
      false,
    );
  });
});
