import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AggregatesReader, type StartPosition } from './aggregates.js';
import { EMF_NAMESPACE, type StageFunction, StageMetricsReader } from './cloudwatch.js';
import { EpisodeReader } from './episodes.js';
import { DashboardHub } from './hub.js';
import { detectorConfig } from './score.js';
import { type DashboardServer, serveDashboard } from './server.js';
import { composeSource, type SourceParts } from './source.js';

/** A hub polling its source and the server showing it. */
export interface RunningDashboard {
  readonly hub: DashboardHub;
  readonly server: DashboardServer;
  /** Stop polling and serving. */
  close(): Promise<void>;
}

/** Where the page of a deployed stage reads from (names as the stage's serverless.yml gives them). */
export interface StageTarget {
  readonly stage: string;
  readonly region: string;
  readonly aggregatesStream: string;
  /** The detector's warm-up of the stage (its `detectorWarmupPoints` param). */
  readonly warmupPoints?: number;
  /** anomaly-alerts' state table: the Alerts view (not shown without it). */
  readonly stateTable?: string;
  /** The functions the Pipeline view draws from CloudWatch (not shown without them). */
  readonly functions?: readonly StageFunction[];
  /** How far back the windows are read at start (minutes; the stream keeps 24 h). */
  readonly lookbackMinutes: number;
  /**
   * A client of the stage's Kinesis: the SDK's default credential chain and the region; a test
   * passes one whose endpoint is the local stand-in.
   */
  readonly kinesis?: KinesisClient;
  readonly dynamodb?: DynamoDBClient;
  readonly cloudwatch?: CloudWatchClient;
  /** Least time between two passes over the state table (default 30 s). */
  readonly alertsEveryMs?: number;
  /** Time between two CloudWatch requests (default 60 s). */
  readonly metricsEveryMs?: number;
}

/** Start a hub over `parts` and serve it. */
export async function startDashboard(
  parts: SourceParts,
  options: { port: number; fallback?: boolean; warmupPoints?: number; pollIntervalMs?: number },
): Promise<RunningDashboard> {
  const hub = new DashboardHub(composeSource(parts), {
    detector: detectorConfig(options.warmupPoints),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  const server = await serveDashboard(hub, {
    port: options.port,
    ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
  });
  hub.start();
  return {
    hub,
    server,
    async close() {
      await hub.stop();
      await server.close();
    },
  };
}

/**
 * The page of a deployed stage: its windows from the stage's aggregates stream, read from
 * `lookbackMinutes` ago; its alerts from anomaly-alerts' state table (SNS keeps no history to
 * read); its functions' throughput, errors, iterator ages and queues from CloudWatch. Each client
 * takes the SDK's default credential chain and the stage's region unless one is passed (a test
 * passes clients of the stand-ins).
 */
export function startStageDashboard(target: StageTarget, port: number): Promise<RunningDashboard> {
  const kinesis = target.kinesis ?? new KinesisClient({ region: target.region });
  const start: StartPosition = {
    type: 'AT_TIMESTAMP',
    atMs: Date.now() - target.lookbackMinutes * 60_000,
  };
  const { stateTable, functions } = target;
  const episodes = stateTable
    ? new EpisodeReader(
        DynamoDBDocumentClient.from(
          target.dynamodb ?? new DynamoDBClient({ region: target.region }),
        ),
        stateTable,
        target.alertsEveryMs !== undefined ? { everyMs: target.alertsEveryMs } : {},
      )
    : undefined;
  const metrics =
    functions && functions.length > 0
      ? new StageMetricsReader(
          target.cloudwatch ?? new CloudWatchClient({ region: target.region }),
          functions,
          target.metricsEveryMs !== undefined ? { everyMs: target.metricsEveryMs } : {},
        )
      : undefined;
  return startDashboard(
    {
      label: `stage ${target.stage} (${target.region})`,
      windows: new AggregatesReader(kinesis, target.aggregatesStream, start),
      ...(episodes ? { alerts: () => episodes.read() } : {}),
      ...(metrics ? { pipeline: () => metrics.read() } : {}),
      names: { alerts: `state table ${stateTable ?? ''}`, pipeline: 'CloudWatch metrics' },
      limits: {
        ...(episodes
          ? {}
          : {
              alerts:
                'Alerts of this stage are not shown: no anomaly-alerts state table was given, and SNS keeps no history to read.',
            }),
        ...(metrics
          ? {}
          : {
              pipeline: `The functions of this stage were not given: their metrics are on the CloudWatch dashboard streamlens-${target.stage}.`,
            }),
      },
      notes: {
        ...(episodes
          ? {
              alerts: `From anomaly-alerts' state table ${stateTable}, read every ${Math.round((target.alertsEveryMs ?? 30_000) / 1000)} s: per series its open episode, its last closed one and alerts not yet published. Older episodes are not kept on a stage (SNS keeps no history); the detector's observed value and expected range are in the published alert only.`,
            }
          : {}),
        ...(metrics
          ? {
              pipeline: `From CloudWatch, one request a minute. Records in and out are the functions' EMF metrics (namespace ${EMF_NAMESPACE}, dimension service: every stage in this account and region counts together); errors and iterator age per function; on-failure and dead letters: messages waiting in those queues.`,
            }
          : {}),
      },
    },
    { port, ...(target.warmupPoints !== undefined ? { warmupPoints: target.warmupPoints } : {}) },
  );
}
