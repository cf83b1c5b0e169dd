// The dashboard in a real browser: Debian's Chromium (scripts/setup-machine.sh installs it),
// driven by playwright-core against a short `pnpm start --scenario anomalies` run, which starts its
// own stand-ins. Screenshots of each view go to test-artifacts/dashboard/ (not committed).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';

const root = resolve(import.meta.dirname, '../../../..');
const artifacts = join(root, 'test-artifacts', 'dashboard');
/** Debian's package puts it here; the test installs nothing itself. */
const CHROMIUM = process.env.STREAMLENS_CHROMIUM ?? '/usr/bin/chromium';

// Event time runs 10× faster than wall time (a 10 s window closes every wall second); two devices
// (10 series) and an anomaly every 60 event seconds, so that the detector (warm-up: 10 windows)
// alerts within the run; the lateness of 20 event seconds is 2 wall seconds.
const RUN = [
  '--scenario',
  'anomalies',
  '--time-scale',
  '10',
  '--rate',
  '150',
  '--duration',
  '45',
  '--seed',
  '3',
  '--devices',
  '2',
  '--anomaly-every',
  '60',
  '--param',
  'allowedLatenessSeconds=20',
  '--dashboard-port',
  '0',
  // The page must outlive the run to show its reconciliation; the test stops it before then.
  '--dashboard-hold',
  '300',
];

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    // Once the run is over (the page holds its last state) one Ctrl-C ends it; during the run it
    // drains first, and a second one (a minute later) quits at once.
    child.kill('SIGINT');
    const late = setTimeout(() => child?.kill('SIGINT'), 60_000);
    await exited;
    clearTimeout(late);
  }
}, 300_000);

/** Start the run; resolves with the dashboard URL it prints. */
function startRun(): Promise<string> {
  // Node itself (tsx as its loader), not npx: a signal to npx does not reach the run.
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...RUN], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match?.[1]) resolveUrl(match[1]);
    };
    child?.stdout?.on('data', onData);
    child?.stderr?.on('data', onData);
    child?.once('exit', (code) => reject(new Error(`pnpm start exited (${code}):\n${output}`)));
  });
}

/**
 * Poll `probe` (in this process, through locators: the page's Content-Security-Policy forbids the
 * string evaluation a page-side predicate would need) until it is true.
 */
async function until(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const number = async (page: Page, selector: string, attribute?: string) => {
  const node = page.locator(selector).first();
  const value = attribute
    ? await node.getAttribute(attribute, { timeout: 1000 })
    : await node.textContent({ timeout: 1000 });
  return Number(value);
};
const CHART = '[data-testid="series-chart"]';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

describe('the dashboard page in Chromium', () => {
  it('fills a series chart, shows an injected anomaly as an alert on its series and in the list, the throughput, then the reconciliation', async () => {
    mkdirSync(artifacts, { recursive: true });
    // Arrange
    const url = await startRun();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Act + Assert: the page loads, live.
    await page.goto(url);
    await expect(page.title()).resolves.toBe('streamlens · local run');
    await until(async () =>
      ((await page.locator('#status').textContent()) ?? '').startsWith('live'),
    );

    // Pipeline: records flow while the feed runs.
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await until(async () => {
      const rates = await page.getByTestId('stage-in-rate').allTextContents();
      return rates.some((r) => Number(r) > 0);
    }, 120_000);
    await shot(page, 'pipeline');

    // Series: the first series' chart fills with windows (keyboard: Home moves to the first tab).
    await page.getByRole('tab', { name: 'Pipeline' }).press('Home');
    await expect(
      page.getByRole('tab', { name: 'Series' }).getAttribute('aria-selected'),
    ).resolves.toBe('true');
    await until(async () => (await number(page, CHART, 'data-windows')) >= 5, 120_000);
    await shot(page, 'series');

    // Alerts: an injected anomaly is alerted; it is listed, and its link opens its series.
    await until(async () => (await number(page, '#alert-count')) > 0, 240_000);
    await page.getByRole('tab', { name: /Alerts/ }).click();
    const first = page.locator('#view-alerts tbody tr').first();
    await expect(first.locator('.pill').textContent()).resolves.toMatch(/low|medium|high|critical/);
    await shot(page, 'alerts');
    const series = await first.locator('a.series-link').textContent();
    await first.locator('a.series-link').click();
    await until(async () => (await number(page, CHART, 'data-alerts')) > 0);
    await expect(page.locator('#series-chart h2').textContent()).resolves.toBe(series);
    // The alert's explanation on hover: sweep the pointer over the chart to the marked window.
    // Live updates redraw (and may rescale) the chart meanwhile, so a sweep that misses the
    // marker starts again on the chart as it is then, for up to 60 s.
    let hovered = '';
    const sweepUntil = Date.now() + 60_000;
    while (!hovered.includes('ALERT') && Date.now() < sweepUntil) {
      const over = await page.locator('[data-testid="series-chart"] .u-over').boundingBox();
      for (let x = 1; over && x < over.width && !hovered.includes('ALERT'); x += 2) {
        await page.mouse.move(over.x + x, over.y + over.height / 2);
        hovered = (await page.locator('#series-chart .tooltip').textContent()) ?? '';
      }
    }
    expect(hovered).toMatch(/ALERT (low|medium|high|critical) (open|recovered): \S/);
    await shot(page, 'series-alert');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await until(async () =>
      ((await page.locator('#status').textContent()) ?? '').startsWith('live'),
    );
    await until(async () => (await number(page, CHART, 'data-alerts')) > 0);
    await shot(page, 'series-alert-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The reconciliation, once the bounded run has drained.
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    const table = page.getByTestId('reconciliation');
    await table.waitFor({ timeout: 420_000 });
    await expect(page.locator('#reconciliation').textContent()).resolves.toMatch(
      /Reconciliation: (OK|FAILED)/,
    );
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(3);
    await shot(page, 'reconciliation');
    expect(errors).toEqual([]);
  }, 900_000);
});
