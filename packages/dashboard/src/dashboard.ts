import { KinesisClient } from '@aws-sdk/client-kinesis';
import { AggregatesReader, type StartPosition } from './aggregates.js';
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
  /** How far back the windows are read at start (minutes; the stream keeps 24 h). */
  readonly lookbackMinutes: number;
  /**
   * A client of the stage's Kinesis: the SDK's default credential chain and the region; a test
   * passes one whose endpoint is the local stand-in.
   */
  readonly kinesis?: KinesisClient;
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
 * `lookbackMinutes` ago. Alerts (SNS keeps no history to read) and the functions' counters
 * (CloudWatch) are not read from a stage: the page says so in their views.
 */
export function startStageDashboard(target: StageTarget, port: number): Promise<RunningDashboard> {
  const kinesis = target.kinesis ?? new KinesisClient({ region: target.region });
  const start: StartPosition = {
    type: 'AT_TIMESTAMP',
    atMs: Date.now() - target.lookbackMinutes * 60_000,
  };
  return startDashboard(
    {
      label: `stage ${target.stage} (${target.region})`,
      windows: new AggregatesReader(kinesis, target.aggregatesStream, start),
      limits: {
        alerts:
          'Alerts of a deployed stage are not shown here: SNS keeps no history to read. Subscribe an e-mail address or a queue to the alerts topic (anomaly-alerts README).',
        pipeline: `A deployed stage's throughput, errors, iterator ages and dead letters are on its CloudWatch dashboard streamlens-${target.stage} (docs/operations.md).`,
      },
    },
    { port, ...(target.warmupPoints !== undefined ? { warmupPoints: target.warmupPoints } : {}) },
  );
}
