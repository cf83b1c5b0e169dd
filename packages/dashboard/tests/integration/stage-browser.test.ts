// The page of a deployed stage in Chromium, its data on the stand-ins (Kinesis, DynamoDB) and a
// CloudWatch client that answers as CloudWatch would (there is no CloudWatch stand-in): what each
// view says when the stage has alerts, no metrics yet, a part it may not read, or no stream.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { StageFunction } from '../../src/cloudwatch.js';
import {
  type RunningDashboard,
  type StageTarget,
  startStageDashboard,
} from '../../src/dashboard.js';
import { scored, stateTableWith, steady, streamWithAWindow } from '../helpers/stage.js';

const root = resolve(import.meta.dirname, '../../../..');
const artifacts = join(root, 'test-artifacts', 'dashboard');
const CHROMIUM = process.env.STREAMLENS_CHROMIUM ?? '/usr/bin/chromium';

const aws = connectLocalAws();
const running: RunningDashboard[] = [];
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((d) => d.close()));
  aws.close();
});

const detect: StageFunction = {
  service: 'anomaly-alerts',
  key: 'detect',
  functionName: 'streamlens-x-detect',
  kind: 'function',
  streamConsumer: true,
};

/** A CloudWatch client answering every GetMetricData with `answer()`. */
const cloudwatch = (answer: () => unknown) =>
  ({ send: async () => answer() }) as unknown as CloudWatchClient;

async function open(target: Omit<StageTarget, 'region' | 'lookbackMinutes'>): Promise<Page> {
  const { kinesis, dynamodb } = aws.clients();
  const dashboard = await startStageDashboard(
    { region: 'us-east-1', lookbackMinutes: 5, kinesis, dynamodb, ...target },
    0,
  );
  running.push(dashboard);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(dashboard.server.url);
  return page;
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).textContent({ timeout: 1000 })) ?? '';

async function until(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the page of a deployed stage in Chromium', () => {
  it("lists the state table's episodes and says that CloudWatch has no data yet", async () => {
    // Arrange
    const stage = `ui${randomUUID().slice(0, 8)}`;
    const stateTable = `streamlens-${stage}-anomaly-state`;
    const closed = scored('web-1', [...steady(30), 500, ...steady(3)], true);
    await streamWithAWindow(aws, `streamlens-${stage}-aggregates`);
    await stateTableWith(aws, stateTable, [closed.item]);

    // Act
    const page = await open({
      stage,
      aggregatesStream: `streamlens-${stage}-aggregates`,
      stateTable,
      functions: [detect],
      cloudwatch: cloudwatch(() => ({ MetricDataResults: [{ Id: 'f0_errors', Values: [] }] })),
    });
    await until(async () => (await text(page, '#alert-count')) === '2');
    await page.getByRole('tab', { name: /Alerts/ }).click();
    const rows = page.locator('#view-alerts tbody tr');
    await until(async () => (await rows.count()) === 2);

    // Assert: newest first; where the state keeps no observed value, the page says so with '–'.
    await expect(rows.nth(0).textContent()).resolves.toContain('recovered (opened');
    await expect(rows.nth(1).locator('td').nth(4).textContent()).resolves.toBe('–');
    await expect(text(page, '#view-alerts .hint')).resolves.toContain(stateTable);
    await page.screenshot({ path: join(artifacts, 'stage-alerts.png'), fullPage: true });
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await until(async () => (await page.getByTestId('pipeline-no-data').count()) === 1);
    await expect(text(page, '[data-testid="pipeline-no-data"]')).resolves.toMatch(/^No data yet/);
  }, 60_000);

  it('says which part it may not read, and which the stage lacks, in their views', async () => {
    // Arrange: anomaly-alerts not deployed; the credentials lack cloudwatch:GetMetricData.
    const stage = `ui${randomUUID().slice(0, 8)}`;
    await streamWithAWindow(aws, `streamlens-${stage}-aggregates`);
    const refused = Object.assign(
      new Error('User x is not authorized to perform: cloudwatch:GetMetricData'),
      { name: 'AccessDenied' },
    );

    // Act
    const page = await open({
      stage,
      aggregatesStream: `streamlens-${stage}-aggregates`,
      stateTable: `streamlens-${stage}-anomaly-state`,
      functions: [detect],
      cloudwatch: cloudwatch(() => {
        throw refused;
      }),
    });
    await until(async () => (await text(page, '#status')).startsWith('live'));
    await page.getByRole('tab', { name: /Alerts/ }).click();
    await until(async () => (await page.locator('#view-alerts [role="alert"]').count()) === 1);
    const alertsSay = await text(page, '#view-alerts [role="alert"]');
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await until(async () => (await page.locator('#view-pipeline [role="alert"]').count()) === 1);
    const pipelineSays = await text(page, '#view-pipeline [role="alert"]');

    // Assert
    expect(alertsSay).toContain(`state table streamlens-${stage}-anomaly-state not found`);
    expect(alertsSay).toContain('Is that service deployed on this stage');
    expect(pipelineSays).toContain('no permission to read CloudWatch metrics');
    expect(pipelineSays).toContain('cloudwatch:GetMetricData');
    await page.screenshot({ path: join(artifacts, 'stage-denied.png'), fullPage: true });
  }, 60_000);

  it('says the stage is not found when its stream is not there', async () => {
    // Act
    const stage = `ui${randomUUID().slice(0, 8)}`;
    const page = await open({ stage, aggregatesStream: `streamlens-${stage}-aggregates` });
    await until(async () => (await text(page, '#status')).startsWith('Not found'));

    // Assert
    await expect(text(page, '#status')).resolves.toContain(
      `stream streamlens-${stage}-aggregates not found. Is the stage deployed, in this region?`,
    );
  }, 60_000);
});
