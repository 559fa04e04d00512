import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import {
  contosoScenario,
  WELL_KNOWN_APPS,
  type FlowStep,
  type ScenarioInput,
  type TraceExchange,
  type TraceToken,
} from '@hma-lab/core';
import { createLab, type Lab, type LabOptions } from '@hma-lab/lab';
import { createBrowser, type BrowserOptions, type BrowserResult } from '@hma-lab/outlook-mobile';

/** The exchanges behind the legs of one step. */
export function exchangesOf(
  steps: FlowStep[],
  step: number,
  leg?: FlowStep['leg'],
): TraceExchange[] {
  return steps
    .filter((s) => s.step === step && s.entry.kind === 'exchange' && (!leg || s.leg === leg))
    .map((s) => s.entry as TraceExchange)
    .filter((e, i, all) => all.indexOf(e) === i);
}

/** Every JWT that crossed any exchange of the run. */
export function jwtsOf(steps: FlowStep[]): TraceToken[] {
  const seen = new Set<string>();
  const tokens: TraceToken[] = [];
  for (const step of steps) {
    if (step.entry.kind !== 'exchange') continue;
    for (const token of step.entry.tokens) {
      if (token.kind === 'jwt' && !seen.has(token.raw)) {
        seen.add(token.raw);
        tokens.push(token);
      }
    }
  }
  return tokens;
}

/** Verifies a JWT's signature against entra's published JWKS (fetched through the lab). */
export async function verifyWithEntraJwks(lab: Lab, raw: string): Promise<JWTPayload> {
  const response = await lab.fetch('https://login.microsoftonline.com/common/discovery/keys');
  const jwks = createLocalJWKSet((await response.json()) as { keys: [] });
  const { payload } = await jwtVerify(raw, jwks, { currentDate: new Date(lab.clock.now()) });
  return payload;
}

/** A response header as one string (multiple values joined the way HTTP folds them). */
export function header(exchange: TraceExchange, name: string): string {
  const value = exchange.responseHeaders[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * For test files that run a lab in nock mode. The mode imports nock, which
 * patches node's http module for the whole jest worker; restoring it after the
 * file gives the files this worker runs next plain http (a later
 * `http.get(url, callback)` trips over nock's interceptor).
 */
export function restoreNockAfterAll(): void {
  afterAll(async () => {
    const nock = (await import('nock')).default;
    nock.restore();
  });
}

/**
 * Signs a user in through the lab's HTML pages, as a person at a browser:
 * fills the sign-in name and password wherever asked and submits. Ends at the
 * app's redirect URI, or (with `response_mode=form_post`) on the page whose
 * only form posts the answer there: that page is returned for the caller to post.
 */
export async function signInThroughPages(
  fetch: BrowserOptions['fetch'],
  url: string,
  options: { upn: string; redirectUri: string; password?: string },
): Promise<BrowserResult> {
  const browser = createBrowser({ fetch, redirectUri: options.redirectUri });
  let result = await browser.open(url);
  for (let i = 0; i < 6 && result.kind === 'page'; i++) {
    const { page } = result;
    if (page.forms.some((f) => f.action.startsWith(options.redirectUri))) return result;
    // A page without inputs to fill (a "stay signed in?" question) is submitted as it is.
    const form = page.forms.find((f) => f.visible.length > 0) ?? page.forms[0];
    if (!form) throw new Error(`no form on ${page.url}: ${page.errors.join(' ')}`);
    const fields: Record<string, string> = {};
    if ('login' in form.fields) fields.login = options.upn;
    if ('passwd' in form.fields) fields.passwd = options.password ?? 'Passw0rd!';
    result = await browser.submit(page, form, fields);
  }
  return result;
}

/** The redirect URI the sign-in reached, with its parameters. */
export async function signInToRedirect(
  fetch: BrowserOptions['fetch'],
  url: string,
  options: { upn: string; redirectUri: string },
): Promise<URL> {
  const result = await signInThroughPages(fetch, url, options);
  if (result.kind !== 'redirect-uri') throw new Error('sign-in did not reach the redirect URI');
  return new URL(result.url);
}

/** Approves a device code at the lab's verification page: the code, then dave's sign-in. */
export async function approveDeviceCode(
  fetch: BrowserOptions['fetch'],
  verificationUri: string,
  userCode: string,
): Promise<void> {
  const browser = createBrowser({ fetch, redirectUri: 'urn:never' });
  let result = await browser.open(verificationUri);
  const fill: Array<Record<string, string>> = [
    { otc: userCode },
    { login: 'dave@fabrikam.com' },
    { passwd: 'Passw0rd!' },
  ];
  for (const fields of fill) {
    if (result.kind !== 'page') throw new Error('expected a page');
    const form = result.page.forms.find((f) => Object.keys(fields).every((k) => k in f.fields));
    if (!form) throw new Error(`no form for ${Object.keys(fields).join()} on ${result.page.url}`);
    result = await browser.submit(result.page, form, fields);
  }
}

/** The built-in scenario and a managed user whom conditional access sends to MFA for Exchange Online. */
export function withMfaUser(): ScenarioInput {
  const dave = contosoScenario.users.find((u) => u.upn === 'dave@fabrikam.com')!;
  return {
    ...contosoScenario,
    users: [
      ...contosoScenario.users,
      {
        ...dave,
        upn: 'erin@fabrikam.com',
        objectId: 'e7140000-5e7a-4b1c-9d2e-00000000e714',
        displayName: 'Erin Ross',
        onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1109',
        mfa: { method: 'totp', secret: 'JBSWY3DPEHPK3PXP' },
      },
    ],
    conditionalAccess: [
      ...(contosoScenario.conditionalAccess ?? []),
      {
        name: 'Require MFA for Exchange Online (Erin)',
        users: { include: ['erin@fabrikam.com'] },
        applications: { include: [WELL_KNOWN_APPS.exchangeOnline] },
        grant: { controls: ['mfa'] },
      },
    ],
  };
}

/** One case's outcome as a Python client reports it (e2e/python/lab_client.py). */
export interface PythonCaseResult {
  ok?: unknown;
  exception?: string;
  trace?: string;
}

/**
 * Runs a Python client of e2e/python/ against a loopback lab with TLS and a
 * front door: hands it the lab's front door, CA and host names (plus
 * `settings`), signs in or approves device codes at the lab's pages when it
 * asks, and returns each case's outcome by name.
 */
export async function runPythonClient(
  script: string,
  lab: Lab,
  settings: Record<string, unknown>,
): Promise<Record<string, PythonCaseResult>> {
  const clientFetch = lab.fetchAs('client');
  const results: Record<string, PythonCaseResult> = {};
  const path = join(dirname(fileURLToPath(import.meta.url)), 'python', script);
  const child = spawn('/usr/bin/python3', [path], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const hostNames = lab.hosts.entries().flatMap((entry) => entry.hostnames);
  child.stdin.write(
    `${JSON.stringify({
      frontDoorPort: Number(new URL(lab.frontDoor!).port),
      caPath: lab.ca!.path,
      hostNames,
      tenantId: lab.scenario.tenant.id,
      ...settings,
    })}\n`,
  );
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line) as {
      case?: string;
      result?: PythonCaseResult;
      ask?: {
        signIn?: string;
        redirectUri?: string;
        approve?: { verification_uri: string; user_code: string };
      };
    };
    if (message.case) results[message.case] = message.result!;
    if (message.ask?.signIn) {
      const reached = await signInToRedirect(clientFetch, message.ask.signIn, {
        upn: 'dave@fabrikam.com',
        redirectUri: message.ask.redirectUri!,
      });
      child.stdin.write(`${JSON.stringify({ query: Object.fromEntries(reached.searchParams) })}\n`);
    }
    if (message.ask?.approve) {
      const { verification_uri, user_code } = message.ask.approve;
      await approveDeviceCode(clientFetch, verification_uri, user_code);
      child.stdin.write('{}\n');
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${script} exited ${code}: ${stderr}`);
  return results;
}

/** A case's answer; a Python exception fails the test with its traceback. */
export function pythonCase<T>(results: Record<string, PythonCaseResult>, name: string): T {
  const result = results[name];
  if (!result) throw new Error(`case ${name} did not run`);
  if (result.exception) throw new Error(`${result.exception}\n${result.trace}`);
  return result.ok as T;
}

/**
 * The trace's requests from outside the lab that did not go to Entra, or to
 * the contoso federation proxy (sts.contoso.com: AD FS's WS-Trust endpoints),
 * by their real names (none expected).
 */
export function callsBesideIdentity(lab: Lab): string[] {
  return clientCalls(lab).filter(
    (c) => !/^(GET|POST) https:\/\/(login\.microsoftonline\.com|sts\.contoso\.com)\//.test(c),
  );
}

/** The URLs (without query) a client outside the lab asked for, as the trace recorded them. */
export function clientCalls(lab: Lab): string[] {
  return lab.trace
    .exchanges()
    .filter((e) => e.from === 'client')
    .map((e) => `${e.method} ${e.url.split('?')[0]}`);
}

/** A loopback lab over HTTPS, its CA and certificates in a fresh folder, as outside clients reach it. */
export function createTlsLab(options: Omit<LabOptions, 'mode' | 'tls'> = {}): Promise<Lab> {
  return createLab({
    ...options,
    mode: 'loopback',
    tls: { dir: mkdtempSync(join(tmpdir(), 'hma-lab-tls-')) },
  });
}

/** A loopback lab over TLS with a front door, as the Python clients reach it. */
export function createPythonLab(scenario?: ScenarioInput): Promise<Lab> {
  return createTlsLab({ ...(scenario ? { scenario } : {}), frontDoor: { port: 0 } });
}

/** The lab web app's test certificate as the Python libraries take it: PEM key, SHA-1 thumbprint in hex. */
export function certificateSettings(lab: Lab): Record<string, string> {
  const key = lab.keys.testClient;
  return {
    certificateKeyPem: key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certificateSha1Hex: createHash('sha1')
      .update(Buffer.from(key.certificateBase64, 'base64'))
      .digest('hex'),
  };
}

/** POSTs `fields` to the tenant's v1 token endpoint as a client outside the lab would. */
export function entraV1Token(lab: Lab, fields: Record<string, string>): Promise<Response> {
  return lab.fetchAs('client')(
    `https://login.microsoftonline.com/${lab.scenario.tenant.id}/oauth2/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    },
  );
}
