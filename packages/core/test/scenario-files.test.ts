import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtInScenario,
  builtInScenarioNames,
  loadScenarioFile,
  parseScenarioText,
  ScenarioError,
  scenarioJsonSchema,
} from '@hma-lab/core';

describe('scenario files', () => {
  it('every built-in scenario validates', () => {
    expect(builtInScenarioNames()).toEqual(
      expect.arrayContaining([
        'contoso',
        'managed-phs',
        'pta',
        'mfa-off',
        'ca-block',
        'hma-off',
        'basic-auth-blocked',
        'exchange-2010',
        'ssl-offload',
      ]),
    );
    for (const name of builtInScenarioNames()) expect(builtInScenario(name).name).toBe(name);
    expect(builtInScenario('hma-off').exchange.onprem.hma.enabled).toBe(false);
    expect(builtInScenario('ssl-offload').exchange.onprem.sslOffload).toBe(true);
  });

  it('reads YAML and JSON files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-'));
    const yaml = join(dir, 'lab.yaml');
    writeFileSync(
      yaml,
      [
        'name: tiny',
        'tenant: { id: 11111111-2222-3333-4444-555555555555, name: tiny.onmicrosoft.com, displayName: Tiny }',
        'domains: [{ name: tiny.example, authentication: phs }]',
        'users:',
        '  - upn: ann@tiny.example',
        '    objectId: 11111111-0000-0000-0000-000000000001',
        '    displayName: Ann',
        '    password: secret',
        '    mailbox: { location: onprem }',
        'apps: []',
        'exchange: { onprem: { organization: Tiny, easHost: mail.tiny.example } }',
      ].join('\n'),
    );
    const scenario = await loadScenarioFile(yaml);
    expect(scenario.users[0]!.mailbox).toEqual({
      location: 'onprem',
      exchangeVersion: '2019',
      seed: 'default',
    });
    expect(scenario.tokenLifetimes.accessToken).toBe('1h');
    const json = join(dir, 'lab.json');
    writeFileSync(json, JSON.stringify({ ...scenario, name: 'tiny-json' }));
    expect((await loadScenarioFile(json)).name).toBe('tiny-json');
  });

  it('names the file, the bad field and what was expected', () => {
    const text =
      'name: x\ntenant: { id: not-a-guid, name: a, displayName: b }\ndomains: []\nusers: []\napps: []\nexchange: { onprem: { organization: o, easHost: mail.x.example } }\n';
    try {
      parseScenarioText(text, 'bad.yaml');
      throw new Error('expected a ScenarioError');
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      const message = (error as Error).message;
      expect(message).toContain('bad.yaml');
      expect(message).toMatch(/tenant\.id: .*GUID/i);
      expect(message).toMatch(/domains: .*(>=1|at least 1)/i);
    }
    expect(() => parseScenarioText('name: [unclosed', 'broken.yaml')).toThrow(
      /broken\.yaml[\s\S]*not valid YAML or JSON at line 1/,
    );
  });

  it("a file nested deeper than the parser can follow: said so, not in the parser's words", () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(() => parseScenarioText(deep, 'deep.json')).toThrow(
      /deep\.json[\s\S]*: not valid YAML or JSON: it nests too deeply to read$/,
    );
  });

  it('the published JSON Schema is up to date (npm run schema regenerates it)', () => {
    const published = JSON.parse(
      readFileSync(new URL('../scenario.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(published).toEqual(scenarioJsonSchema());
  });
});
