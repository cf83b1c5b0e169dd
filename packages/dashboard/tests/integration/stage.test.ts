// `pnpm dashboard --stage X` reads a deployed stage through the SDK's Kinesis client; here the same
// code reads the Kinesis stand-in with a client whose endpoint is the stand-in's (HTTP/1.1: the
// Kinesis client's default HTTP/2 handler is for the real service).
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import type { AlertAnomaly } from '@streamlens/schema';
import { metricsWindow } from '@streamlens/schema/testing';
import {
  type RunningDashboard,
  type StageTarget,
  startStageDashboard,
} from '../../src/dashboard.js';
import { scored, stateTableWith, steady, streamWithAWindow } from '../helpers/stage.js';

const aws = connectLocalAws();
const running: RunningDashboard[] = [];
afterAll(async () => {
  await Promise.all(running.map((d) => d.close()));
  aws.close();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const json = async (url: URL) => (await (await fetch(url)).json()) as Record<string, unknown>;

describe('the dashboard of a deployed stage (pointed at the stand-ins)', () => {
  it('shows the windows of the look-back, each revision once, and counts the rest', async () => {
    // Arrange: a stage's aggregates stream with a window, its correction, a redelivery and junk.
    const stage = `dash${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    await aws.createResources({ streams: [{ name: stream, shardCount: 2 }] });
    const first = metricsWindow({ data: { revision: 0, mean: 10 } });
    const correction = metricsWindow({ data: { revision: 1, mean: 12, count: 4 } });
    const records = [first, correction, first].map((e) => ({
      Data: Buffer.from(JSON.stringify(e)),
      PartitionKey: e.data.series,
    }));
    records.push({ Data: Buffer.from('{"not":"a window"'), PartitionKey: 'x' });
    const { kinesis } = aws.clients();
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));

    // Act
    const dashboard = await startStageDashboard(
      { stage, region: 'us-east-1', aggregatesStream: stream, lookbackMinutes: 5, kinesis },
      0,
    );
    running.push(dashboard);
    const key = encodeURIComponent(first.data.series);
    const detail = await until(async () => {
      const d = await json(new URL(`/api/series/detail?key=${key}`, dashboard.server.url));
      return (d.windows as { revision: number }[] | undefined)?.[0]?.revision === 1 ? d : undefined;
    });
    const status = await json(new URL('/api/status', dashboard.server.url));

    // Assert
    expect(detail.windows).toEqual([
      expect.objectContaining({ revision: 1, mean: 12, revisedFrom: { count: 3, mean: 10 } }),
    ]);
    expect(status).toMatchObject({
      label: `stage ${stage} (us-east-1)`,
      status: { state: 'ok' },
      rejected: { INVALID_JSON: 1 },
      limits: { alerts: expect.stringContaining('SNS keeps no history') },
    });
  });

  it('says the stage is not found when its stream does not exist', async () => {
    // Arrange
    const stage = `absent${randomUUID().slice(0, 8)}`;

    // Act
    const dashboard = await startStageDashboard(
      {
        stage,
        region: 'us-east-1',
        aggregatesStream: `streamlens-${stage}-aggregates`,
        lookbackMinutes: 5,
        kinesis: aws.clients().kinesis,
      },
      0,
    );
    running.push(dashboard);
    const status = await until(async () => {
      const s = (await json(new URL('/api/status', dashboard.server.url))).status as {
        state: string;
      };
      return s.state === 'starting' ? undefined : s;
    });

    // Assert
    expect(status).toMatchObject({ state: 'error', reason: 'not-found' });
  });
});

/** The stage dashboard with clients of the stand-ins, as `pnpm dashboard` builds it for AWS. */
async function startStage(
  target: Pick<StageTarget, 'stage' | 'aggregatesStream' | 'stateTable'>,
): Promise<RunningDashboard> {
  const { dynamodb, kinesis } = aws.clients();
  const dashboard = await startStageDashboard(
    { region: 'us-east-1', lookbackMinutes: 5, kinesis, dynamodb, ...target },
    0,
  );
  running.push(dashboard);
  return dashboard;
}

describe('the Alerts view of a deployed stage (pointed at the stand-ins)', () => {
  it("lists the episodes held in anomaly-alerts' state table, newest first, under their alert ids", async () => {
    // Arrange: a stage whose detector closed an episode on one series (alerts published) and
    // opened one on another (its alert still in the outbox).
    const stage = `dash${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    const stateTable = `streamlens-${stage}-anomaly-state`;
    const closed = scored('web-1', [...steady(30), 500, ...steady(3)], true);
    const open = scored('web-2', [...steady(40), 500], false);
    await streamWithAWindow(aws, stream);
    await stateTableWith(aws, stateTable, [closed.item, open.item]);

    // Act
    const dashboard = await startStage({ stage, aggregatesStream: stream, stateTable });
    const listed = await until(async () => {
      const a = (await json(new URL('/api/alerts', dashboard.server.url))).alerts as Record<
        string,
        unknown
      >[];
      return a.length >= 3 ? a : undefined;
    });
    const status = await json(new URL('/api/status', dashboard.server.url));

    // Assert: the ids are those of the alerts anomaly-alerts raised (a subscriber's ids).
    expect(closed.alerts.map((a) => a.data.status)).toEqual(['open', 'recovered']);
    expect(open.alerts.map((a) => a.data.status)).toEqual(['open']);
    const [opened, recovered] = closed.alerts as [AlertAnomaly, AlertAnomaly];
    const pending = open.alerts[0] as AlertAnomaly;
    expect(listed.map((a) => a.id)).toEqual([pending.id, recovered.id, opened.id]);
    expect(listed[0]).toMatchObject({
      status: 'open',
      series: pending.data.series,
      observed: 500,
      explanation: pending.data.explanation,
    });
    expect(listed[1]).toMatchObject({
      status: 'recovered',
      windowStart: recovered.data.windowStart,
      episodeId: opened.data.episodeId,
      explanation: expect.stringContaining(`opened at window ${opened.data.windowStart}`),
    });
    expect(listed[2]).toMatchObject({ status: 'open', windowStart: opened.data.windowStart });
    expect(status).toMatchObject({
      status: { state: 'ok' },
      problems: {},
      notes: { alerts: expect.stringContaining(stateTable) },
    });
  });

  it('says the state table is not found in the Alerts view while the windows still show', async () => {
    // Arrange: the stage's stream exists, anomaly-alerts is not deployed.
    const stage = `noalerts${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    await streamWithAWindow(aws, stream);

    // Act
    const dashboard = await startStage({
      stage,
      aggregatesStream: stream,
      stateTable: `streamlens-${stage}-anomaly-state`,
    });
    const status = await until(async () => {
      const s = await json(new URL('/api/status', dashboard.server.url));
      return (s.problems as Record<string, unknown>).alerts ? s : undefined;
    });

    // Assert
    expect(status).toMatchObject({
      status: { state: 'ok' },
      problems: {
        alerts: {
          reason: 'not-found',
          message: `state table streamlens-${stage}-anomaly-state not found`,
        },
      },
    });
  });
});
