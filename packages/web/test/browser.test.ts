import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { faultDefinition } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import { createTrainerUi } from '@hma-lab/web';
import { quietLab } from './helpers.js';

/**
 * The trainer page in real headless Chromium (Debian's, driven by
 * playwright-core; never a downloaded browser), against an in-process lab
 * served on 127.0.0.1. Screenshots go to test-output/web/ for a person to look at.
 */

// What the functions run inside the page use of the DOM: this file is type-checked
// without the DOM library (it is Node code), so the little it needs is declared here.
interface BrowserRect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
interface BrowserElement {
  textContent: string | null;
  innerHTML: string;
  disabled?: boolean;
  getBoundingClientRect(): BrowserRect;
  closest(selector: string): BrowserElement | null;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<BrowserElement>;
  getElementById(id: string): BrowserElement | null;
};

const ROOT = new URL('../../../', import.meta.url);
const OUTPUT = fileURLToPath(new URL('test-output/web/', ROOT));
const MERMAID_DIST = fileURLToPath(new URL('node_modules/mermaid/dist/', ROOT));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SLOW = 60_000;
const BASE_LANES = [
  'device',
  'autodetect',
  'exo',
  'entra',
  'wap',
  'adfs',
  'onprem-autodiscover',
  'onprem-eas',
];

let browser: Browser;
let server: Server;
let base: string;
let lab: Lab;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  lab = await quietLab();
  const host = express();
  host.use('/vendor/mermaid', express.static(MERMAID_DIST));
  host.get('/mermaid-test.html', (_req, res) => {
    res
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>mermaid</title><div id="out"></div>',
      );
  });
  host.use(
    '/',
    createTrainerUi({
      lab: () => lab,
      switchScenario: async (name) => {
        const next = await quietLab(name);
        await lab.close();
        lab = next;
        return next;
      },
    }),
  );
  server = host.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, SLOW);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await lab?.close();
});

beforeEach(async () => {
  // A fresh lab per test: no state leaks from one test into the next.
  const old = lab;
  lab = await quietLab();
  await old.close();
  context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"][data-live="true"]');
}, SLOW);

afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

async function runFlow(user = 'alice@contoso.com', status = 'ok'): Promise<void> {
  await page.selectOption('#user', user);
  await page.click('#run');
  await page.waitForSelector(`#run-status[data-status="${status}"]`);
}

/** Pairs of texts in the diagram whose boxes overlap (there should be none). */
function overlappingTexts(): Promise<string[]> {
  return page.evaluate(() => {
    // Only what a person sees: each text clipped to its scrolling pane.
    const visible = (t: BrowserElement) => {
      const r = t.getBoundingClientRect();
      const pane = t.closest('.diagram-head, .diagram-scroll')!.getBoundingClientRect();
      const left = Math.max(r.left, pane.left);
      const right = Math.min(r.right, pane.right);
      const top = Math.max(r.top, pane.top);
      const bottom = Math.min(r.bottom, pane.bottom);
      return { left, right, top, bottom, width: right - left, height: bottom - top };
    };
    const boxes = [...document.querySelectorAll('#lanes text, #diagram text')]
      .filter((t) => (t.textContent ?? '').trim() !== '')
      .map((t) => ({ text: t.textContent ?? '', r: visible(t) }))
      .filter((b) => b.r.width > 0 && b.r.height > 0);
    const found: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) found.push(`"${boxes[i]!.text}" / "${boxes[j]!.text}"`);
      }
    }
    return found;
  });
}

async function laneLabels(): Promise<Array<{ party: string; text: string }>> {
  return page.$$eval('#lanes .lane', (lanes) =>
    lanes.map((g) => ({
      party: g.getAttribute('data-party') ?? '',
      text: [...g.querySelectorAll('text')]
        .map((t) => t.textContent ?? '')
        .join(' ')
        .trim(),
    })),
  );
}

describe('the trainer page', () => {
  it(
    'runs flow A for alice: 20 numbered steps, every lane labelled, no text overlapping',
    async () => {
      await runFlow();
      const chips = await page.$$eval('.step-chip.seen', (els) => els.map((e) => e.textContent));
      expect(chips).toEqual([...Array(20).keys()].map((i) => String(i + 1)));
      const numbered = await page.$$eval('#diagram .row', (rows) => [
        ...new Set(rows.map((r) => r.getAttribute('data-step')).filter((s) => s)),
      ]);
      expect(numbered.map(Number).sort((a, b) => a - b)).toEqual(
        [...Array(20).keys()].map((i) => i + 1),
      );
      const lanes = await laneLabels();
      expect(lanes.map((l) => l.party)).toEqual(BASE_LANES);
      for (const lane of lanes) expect(lane.text).not.toBe('');
      expect(await overlappingTexts()).toEqual([]);
      await expect(page.textContent('#run-status')).resolves.toMatch(
        /flow A · alice@contoso\.com · 20 steps/,
      );
      await page.screenshot({ path: `${OUTPUT}flow-a-full-run.png` });
    },
    SLOW,
  );

  it(
    'opens step 17 and shows AT2 decoded: audience https://mail.contoso.com, client Exchange Online',
    async () => {
      await runFlow();
      await page.click('.step-chip[data-step="17"]');
      const card = page.locator('#panel-step .token-card[data-role="AT2"]');
      await card.waitFor();
      await expect(card.locator('tr[data-claim="aud"] .claim-value').textContent()).resolves.toBe(
        'https://mail.contoso.com',
      );
      await expect(card.locator('tr[data-claim="appid"] .claim-note').textContent()).resolves.toBe(
        'Office 365 Exchange Online',
      );
      // The highlighted claims: aud, appid, scp, amr, exp.
      const keys = await card
        .locator('tr.key')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-claim')));
      expect(keys).toEqual(['aud', 'appid', 'scp', 'amr', 'exp']);
      // The assertion traded in at step 17 is AT1, for Exchange Online.
      await expect(
        page
          .locator('#panel-step .token-card[data-role="AT1"] tr[data-claim="aud"] .claim-value')
          .textContent(),
      ).resolves.toBe('https://outlook.office365.com');
      await expect(page.textContent('#panel-step h2')).resolves.toBe('Step 17 of flow A');
      await expect(page.textContent('#panel-step .explanation')).resolves.toMatch(/on-behalf-of/);
      await expect(page.getAttribute('#diagram .row.selected', 'data-step')).resolves.toBe('17');
      expect(await overlappingTexts()).toEqual([]);
      await page.screenshot({ path: `${OUTPUT}flow-a-step-17.png` });
    },
    SLOW,
  );

  it(
    'sets AT1 and AT2 side by side with a timeline of token lifetimes',
    async () => {
      await runFlow();
      await page.click('#tab-tokens');
      const cell = (field: string, role: string) =>
        page.textContent(`.compare-table tr[data-field="${field}"] td[data-role="${role}"]`);
      await expect(cell('audience (aud)', 'AT1')).resolves.toBe('https://outlook.office365.com');
      await expect(cell('audience (aud)', 'AT2')).resolves.toBe('https://mail.contoso.com');
      await expect(cell('client (appid)', 'AT1')).resolves.toBe('Outlook Mobile');
      await expect(cell('client (appid)', 'AT2')).resolves.toBe('Office 365 Exchange Online');
      await expect(cell('minted by', 'AT2')).resolves.toMatch(/Entra ID · on-behalf-of · step 17/);
      await expect(cell('accepted by', 'AT2')).resolves.toMatch(/On-prem ActiveSync \(step 19\)/);
      await expect(cell('reaches on-prem ActiveSync', 'AT1')).resolves.toMatch(/^never/);
      const bars = await page.$$eval('.timeline .life', (els) =>
        els.map((e) => e.getAttribute('data-role')),
      );
      expect(bars).toEqual(expect.arrayContaining(['AT1', 'RT1', 'AT2', 'RT2']));
      await page.screenshot({ path: `${OUTPUT}tokens-tab.png` });
    },
    SLOW,
  );

  it(
    'applies the missing-authorization-uri fault, reruns, and shows the flow stopping at the catalogue’s step',
    async () => {
      const expected = faultDefinition('missing-authorization-uri')!.step!;
      await runFlow();
      await page.click('#tab-faults');
      await page.check('li[data-fault="missing-authorization-uri"] input');
      await page.waitForSelector('li[data-fault="missing-authorization-uri"].on');
      await expect(page.textContent('#fault-count')).resolves.toBe('(1 on)');
      await page.click('#rerun');
      await page.waitForSelector('#run-status[data-status="failed"]');
      await expect(page.getAttribute('#run-status', 'data-stopped-at')).resolves.toBe(
        String(expected),
      );
      await expect(page.textContent('.step-chip.stopped')).resolves.toBe(String(expected));
      await expect(page.textContent('#run-status')).resolves.toMatch(
        new RegExp(`stopped at step ${expected}: HMA not enabled on-premises`),
      );
      await page.waitForSelector(`#diagram .stop[data-step="${expected}"]`);
      const challenge = await page.textContent(`#diagram .row[data-step="${expected}"] text.label`);
      expect(challenge).toMatch(/no authorization_uri/);
      // Sign-in never started.
      await expect(page.isDisabled('.step-chip[data-step="7"]')).resolves.toBe(true);
      expect(await overlappingTexts()).toEqual([]);
      await page.screenshot({ path: `${OUTPUT}fault-missing-authorization-uri.png` });
    },
    SLOW,
  );

  it(
    'advances the clock 2 h and shows Exchange Online renewing AT2 with RT2 (step 19)',
    async () => {
      await runFlow();
      const before = await page.textContent('#clock');
      await page.fill('#advance-by', '2h');
      await page.click('#advance');
      await page.waitForSelector('#diagram .divider[data-kind="advance"]');
      const renewal = page.locator(
        '#diagram .row[data-step="19"][data-from="exo"][data-to="entra"]',
      );
      await expect(renewal.first().locator('text.label').textContent()).resolves.toBe(
        'POST /oauth2/token (refresh_token)',
      );
      await expect(renewal.first().locator('.token-badge').getAttribute('data-role')).resolves.toBe(
        'RT2',
      );
      const after = await page.textContent('#clock');
      expect(
        Date.parse(after!.replace(' UTC', 'Z')) - Date.parse(before!.replace(' UTC', 'Z')),
      ).toBe(7_200_000);
      await renewal.first().click();
      await page.waitForSelector('#panel-step .token-card[data-role="AT2 #2"]');
      expect(await overlappingTexts()).toEqual([]);
      await page.screenshot({ path: `${OUTPUT}clock-advanced-2h.png` });
    },
    SLOW,
  );

  it(
    'steps through with the keyboard',
    async () => {
      await runFlow();
      await page.locator('#diagram-scroll').focus();
      const selected = () => page.getAttribute('#diagram .row.selected', 'data-step');
      await page.keyboard.press('Home');
      await expect(selected()).resolves.toBe('1');
      await page.keyboard.press('ArrowRight');
      await expect(selected()).resolves.toBe('2');
      await page.keyboard.press('PageDown');
      await expect(selected()).resolves.toBe('3');
      await page.keyboard.press('ArrowLeft');
      await expect(selected()).resolves.toBe('2');
      await page.keyboard.type('17');
      await page.keyboard.press('Enter');
      await expect(selected()).resolves.toBe('17');
      await expect(page.getAttribute('.step-chip.current', 'data-step')).resolves.toBe('17');
      await page.keyboard.press('Space');
      await expect(page.getAttribute('#play', 'aria-label')).resolves.toBe('Pause');
      await page.keyboard.press('Space');
      await expect(page.getAttribute('#play', 'aria-label')).resolves.toBe('Play');
      await page.keyboard.press('End');
      await expect(page.locator('#diagram .row.selected').count()).resolves.toBe(0);
      await expect(page.locator('#diagram .row.future').count()).resolves.toBe(0);
    },
    SLOW,
  );

  it(
    'builds the diagram live from the event stream when someone else runs a flow',
    async () => {
      const res = await fetch(`${base}_ui/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice@contoso.com' }),
      });
      expect(res.status).toBe(200);
      await page.waitForSelector('#run-status[data-status="ok"]');
      await expect(page.locator('.step-chip.seen').count()).resolves.toBe(20);
    },
    SLOW,
  );

  it(
    'switches to the managed-phs scenario, where steps 8 to 11 disappear',
    async () => {
      await runFlow();
      await page.selectOption('#scenario', 'managed-phs');
      await page.waitForFunction(() => document.getElementById('scenario')?.disabled === false);
      // The old lab's run is gone, and so is its outcome.
      await expect(page.locator('#run-status').getAttribute('data-status')).resolves.toBeNull();
      await runFlow();
      const seen = await page.$$eval('.step-chip.seen', (els) =>
        els.map((e) => Number(e.textContent)),
      );
      expect(seen).not.toEqual(expect.arrayContaining([8]));
      expect(seen).toEqual(expect.arrayContaining([7, 12, 15, 17, 19, 20]));
      await expect(page.locator('#diagram .row[data-to="wap"]').count()).resolves.toBe(0);
    },
    SLOW,
  );

  it(
    'exports the diagram as SVG and PNG, and the trace as HAR and Mermaid',
    async () => {
      await runFlow();
      const save = async (format: string): Promise<Buffer> => {
        await page.click('#export-menu summary');
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click(`[data-export="${format}"]`),
        ]);
        return readFileSync((await download.path())!);
      };
      const svg = (await save('svg')).toString('utf8');
      expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      for (const lane of [
        'Device',
        'AutoDetect',
        'Entra ID',
        'WAP',
        'AD FS',
        'On-prem',
        'ActiveSync',
      ]) {
        expect(svg).toContain(`>${lane}<`);
      }
      for (let step = 1; step <= 20; step++) expect(svg).toContain(`>${step}</text>`);
      expect(svg).not.toContain('future');
      const png = await save('png');
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      expect(png.readUInt32BE(16)).toBeGreaterThan(1000); // width: twice the diagram's
      const har = JSON.parse((await save('har')).toString('utf8'));
      expect(har.log.entries.length).toBeGreaterThan(20);
      expect((await save('mermaid')).toString('utf8')).toMatch(/^sequenceDiagram/);
    },
    SLOW,
  );

  it(
    'renders the Mermaid export with the mermaid library in the browser',
    async () => {
      await runFlow();
      const runs = (await (await fetch(`${base}_ui/api/runs`)).json()) as {
        runs: Array<{ runId: string }>;
      };
      const runId = runs.runs[0]!.runId;
      await page.goto(`${base}mermaid-test.html`);
      const svg = await page.evaluate(async (id) => {
        const url = '/vendor/mermaid/mermaid.esm.min.mjs';
        const { default: mermaid } = (await import(url)) as {
          default: {
            initialize(config: object): void;
            render(id: string, text: string): Promise<{ svg: string }>;
          };
        };
        mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
        const text = await (await fetch(`/_ui/api/runs/${id}/export?format=mermaid`)).text();
        const { svg } = await mermaid.render('flow', text);
        document.getElementById('out')!.innerHTML = svg;
        return svg;
      }, runId);
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain('On-prem ActiveSync');
      expect(svg).toContain('17. POST login.microsoftonline.com');
      await expect(page.locator('#out svg').count()).resolves.toBe(1);
      await page.screenshot({ path: `${OUTPUT}mermaid-export.png`, fullPage: false });
    },
    SLOW,
  );
});
