import { createEasClient, EasHttpError } from '@hma-lab/activesync';
import { decodeJwt, discardBody } from '@hma-lab/core';
import { createLab, type Lab } from '@hma-lab/lab';
import type { Output } from './flow-command.js';
import { asTyped, loadScenarioArg, UsageError } from './scenario-arg.js';
import { terminalStyle, type Style } from './style.js';

/**
 * `hma-lab check --email <addr>`: the probes a support engineer runs against
 * an HMA deployment (the CSS-Exchange Test-HMAEAS sequence), against the lab's
 * own on-premises Exchange or an ActiveSync server the user runs on loopback:
 * AutoDiscover v2, the empty-Bearer challenge and its authorization_uri, a
 * token for the ActiveSync namespace, then OPTIONS and Settings with it.
 * Tokens always come from the lab's Entra (the only identity provider offline).
 */
export interface CheckOptions {
  email: string;
  easUrl?: string;
  autodiscoverUrl?: string;
  scenario?: string;
  json?: boolean;
}

export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  summary: string;
  evidence?: Record<string, unknown>;
}

const EXCHANGE_APP = '00000002-0000-0ff1-ce00-000000000000';

export async function checkCommand(options: CheckOptions, output: Output): Promise<number> {
  const lab = await createLab({
    scenario: await loadScenarioArg(options.scenario),
    mode: 'in-process',
  });
  try {
    if (!lab.directory.user(options.email)) {
      throw new UsageError(
        `no user ${asTyped(options.email)} in scenario ${lab.scenario.name}: the token comes from the lab's Entra`,
      );
    }
    const results = await runChecks(lab, options);
    const ok = results.every((r) => r.status !== 'fail');
    if (options.json)
      output.out(JSON.stringify({ email: options.email, ok, checks: results }, null, 2));
    else output.out(renderTree(options.email, results, terminalStyle()));
    return ok ? 0 : 1;
  } finally {
    await lab.close();
  }
}

/** How long a probe waits for its whole answer: a server that never answers fails the check. */
const PROBE_TIMEOUT_MS = 15_000;

async function runChecks(lab: Lab, options: CheckOptions): Promise<CheckResult[]> {
  const labFetch = lab.fetchAs('client');
  const fetch: typeof labFetch = (input, init = {}) =>
    labFetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  const results: CheckResult[] = [];
  const skipRest = (from: string[]): void => {
    for (const name of from)
      results.push({ name, status: 'skip', summary: 'skipped: an earlier check failed' });
  };
  const domain = options.email.split('@')[1]!;

  // 1. AutoDiscover v2, anonymous, as Test-HMAEAS sends it.
  let easUrl = options.easUrl;
  if (options.easUrl && !options.autodiscoverUrl) {
    results.push({
      name: 'AutoDiscover v2',
      status: 'skip',
      summary: `skipped: --eas-url ${options.easUrl} given`,
    });
  } else {
    const url =
      options.autodiscoverUrl ??
      `https://autodiscover.${domain}/autodiscover/autodiscover.json?Email=${encodeURIComponent(options.email)}&Protocol=activesync&RedirectCount=3`;
    const probe = await attempt(() => fetch(url, { headers: { accept: 'application/json' } }));
    if ('error' in probe) {
      results.push({
        name: 'AutoDiscover v2',
        status: 'fail',
        summary: `no answer: ${probe.error}`,
        evidence: { url },
      });
    } else {
      const text = await probe.value.text();
      const body = parseJson(text) as { Url?: string } | undefined;
      if (probe.value.status === 200 && body?.Url) {
        easUrl ??= body.Url;
        results.push({
          name: 'AutoDiscover v2',
          status: 'pass',
          summary: `ActiveSync URL ${body.Url}`,
          evidence: { url, status: 200, body },
        });
      } else {
        results.push({
          name: 'AutoDiscover v2',
          status: 'fail',
          summary: `expected 200 with a Url, got ${probe.value.status}`,
          evidence: { url, status: probe.value.status, body: text.slice(0, 500) },
        });
      }
    }
  }
  if (!easUrl) {
    skipRest(['Bearer challenge', 'Token', 'OPTIONS', 'Settings']);
    return results;
  }

  // 2. The empty Bearer challenge.
  const challenge = await attempt(() =>
    fetch(easUrl!, { headers: { authorization: 'Bearer', accept: 'application/json' } }),
  );
  let authority: string | undefined;
  if ('error' in challenge) {
    results.push({
      name: 'Bearer challenge',
      status: 'fail',
      summary: `no answer: ${challenge.error}`,
      evidence: { url: easUrl },
    });
  } else {
    const response = challenge.value;
    await discardBody(response);
    const headers = response.headers.get('www-authenticate') ?? '';
    const bearer =
      headers.split(/,\s*(?=Basic\b|Bearer\b)/i).find((h) => /^Bearer\b/i.test(h.trim())) ?? '';
    const param = (name: string) => new RegExp(`${name}="([^"]*)"`, 'i').exec(bearer)?.[1];
    authority = param('authorization_uri');
    const problems: string[] = [];
    if (response.status !== 401) problems.push(`expected 401, got ${response.status}`);
    if (!bearer) problems.push('no Bearer challenge in WWW-Authenticate');
    if (bearer && param('client_id') !== EXCHANGE_APP)
      problems.push(`client_id is ${param('client_id') ?? 'missing'}, expected ${EXCHANGE_APP}`);
    if (bearer && !(param('trusted_issuers') ?? '').includes(`@${lab.scenario.tenant.id}`))
      problems.push(`trusted_issuers does not name tenant ${lab.scenario.tenant.id}`);
    if (bearer && !authority)
      problems.push(
        'no authorization_uri: HMA is not enabled (EvoSTS is not the default authorization endpoint)',
      );
    results.push({
      name: 'Bearer challenge',
      status: problems.length === 0 ? 'pass' : 'fail',
      summary:
        problems.length === 0 ? `401 with authorization_uri=${authority}` : problems.join('; '),
      evidence: { url: easUrl, status: response.status, 'www-authenticate': headers },
    });
  }
  if (!authority) {
    skipRest(['Token', 'OPTIONS', 'Settings']);
    return results;
  }

  // 3. A token for the ActiveSync namespace, from the challenge's authority.
  const resource = `${new URL(easUrl).protocol}//${new URL(easUrl).host}`;
  let accessToken: string | undefined;
  try {
    const tokens = await lab
      .device()
      .acquireToken(lab.credentials(options.email), { authority, resource });
    accessToken = tokens.accessToken;
    const claims = decodeJwt(accessToken)?.claims ?? {};
    results.push({
      name: 'Token',
      status: claims.aud === resource ? 'pass' : 'fail',
      summary:
        claims.aud === resource
          ? `access token for ${resource}`
          : `token audience ${String(claims.aud)} is not ${resource}`,
      evidence: {
        aud: claims.aud,
        appid: claims.appid,
        upn: claims.upn,
        scp: claims.scp,
        exp: claims.exp,
      },
    });
  } catch (error) {
    results.push({
      name: 'Token',
      status: 'fail',
      summary: `sign-in failed: ${(error as Error).message}`,
      evidence: { authority, resource },
    });
  }
  if (!accessToken) {
    skipRest(['OPTIONS', 'Settings']);
    return results;
  }

  // 4 and 5. OPTIONS and Settings with the token.
  const client = createEasClient({
    fetch,
    url: easUrl,
    authorization: () => `Bearer ${accessToken}`,
    deviceId: 'OutlookService',
    deviceType: 'OutlookService',
    protocolVersion: '14.1',
  });
  try {
    const options = await client.options();
    results.push({
      name: 'OPTIONS',
      status: options.status === 200 && options.versions.length > 0 ? 'pass' : 'fail',
      summary: `${options.status}, versions ${options.versions.join(',') || '(none)'}`,
      evidence: {
        status: options.status,
        'ms-asprotocolversions': options.versions,
        'ms-asprotocolcommands': options.commands,
      },
    });
  } catch (error) {
    results.push({
      name: 'OPTIONS',
      status: 'fail',
      summary: describeEasError(error),
      evidence: easEvidence(error),
    });
  }
  try {
    const settings = await client.settings();
    results.push({
      name: 'Settings',
      status: settings.status === 1 ? 'pass' : 'fail',
      summary: `Status ${settings.status}`,
      evidence: { userInformation: settings.userInformation },
    });
  } catch (error) {
    results.push({
      name: 'Settings',
      status: 'fail',
      summary: describeEasError(error),
      evidence: easEvidence(error),
    });
  }
  return results;
}

function renderTree(email: string, results: CheckResult[], style: Style): string {
  const mark = {
    pass: style.ok('PASS'),
    fail: style.bad('FAIL'),
    skip: style.warn('SKIP'),
  } as const;
  const lines = [`hma-lab check ${email}`];
  results.forEach((r, i) => {
    const last = i === results.length - 1;
    lines.push(`${last ? '└─' : '├─'} ${mark[r.status]} ${r.name}: ${r.summary}`);
    if (r.status === 'fail' && r.evidence) {
      for (const [key, value] of Object.entries(r.evidence)) {
        lines.push(
          `${last ? '   ' : '│  '}   ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
        );
      }
    }
  });
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  return lines.join('\n');
}

async function attempt<T>(work: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await work() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') {
      return { error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
    }
    return { error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeEasError(error: unknown): string {
  if (error instanceof EasHttpError) {
    return `HTTP ${error.status}${error.headers.get('x-ms-diagnostics') ? ` (${error.headers.get('x-ms-diagnostics')})` : ''}`;
  }
  return (error as Error).message;
}

function easEvidence(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof EasHttpError)) return undefined;
  return {
    status: error.status,
    'www-authenticate': error.headers.get('www-authenticate'),
    'x-ms-diagnostics': error.headers.get('x-ms-diagnostics'),
  };
}
