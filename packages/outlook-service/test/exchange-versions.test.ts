import { chooseProtocolVersion } from '../src/connector/exchange-connection.js';
import { createBasicLab, signInBody, type BasicLab } from './helpers.js';

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

describe('the ActiveSync version agreed at sign-in', () => {
  it('an Exchange 2010 mailbox (which cannot do HMA) gets flow C at 14.1', async () => {
    lab = createBasicLab();
    const result = await lab.phone().connect({ email: 'carol@contoso.com', password: 'Passw0rd!' });
    expect(result.messages.length).toBeGreaterThan(0);
    const commands = lab.ctx.trace
      .exchanges()
      .filter((e) => e.from === 'outlook-service' && e.method === 'POST');
    expect(new Set(commands.map((e) => e.requestHeaders['ms-asprotocolversion']))).toEqual(
      new Set(['14.1']),
    );
    const options = lab.ctx.trace.exchanges().find((e) => e.method === 'OPTIONS')!;
    expect(options.responseHeaders['ms-asprotocolversions']).toBe('2.5,12.0,12.1,14.0,14.1');
  });

  it('Exchange 2019 gets 16.1', async () => {
    lab = createBasicLab();
    await lab.phone().connect({ email: 'alice@contoso.com', password: 'Passw0rd!' });
    const post = lab.ctx.trace
      .exchanges()
      .find((e) => e.from === 'outlook-service' && e.method === 'POST')!;
    expect(post.requestHeaders['ms-asprotocolversion']).toBe('16.1');
  });

  it('a mailbox in Exchange Online (on-premises answers 451): 502 ExchangeProtocolError, nothing stored', async () => {
    lab = createBasicLab();
    const answer = await lab.call(
      'POST',
      '/api/basic/v1/accounts',
      signInBody({ emailAddress: 'bob@contoso.com' }),
    );
    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({
      code: 'ExchangeProtocolError',
      step: 4,
      reason: 'mailbox-moved',
      message: expect.stringContaining('https://outlook.office365.com/Microsoft-Server-ActiveSync'),
    });
    expect(lab.outlook.stores.accounts.size).toBe(0);
  });

  it.each([
    [['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'], '16.1', '16.1'],
    [['2.5', '12.0', '12.1', '14.0', '14.1'], '16.1', '14.1'],
    [['14.1', '16.1'], '14.1', '14.1'],
    [[], '16.1', '16.1'],
  ])('offered %j, preferred %s -> %s', (offered, preferred, chosen) => {
    expect(chooseProtocolVersion(offered, preferred)).toBe(chosen);
  });

  it('no common version is a protocol error', () => {
    expect(() => chooseProtocolVersion(['2.5'], '16.1')).toThrow(/no common ActiveSync version/);
  });
});
