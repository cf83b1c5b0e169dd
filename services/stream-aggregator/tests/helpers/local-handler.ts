import { randomUUID } from 'node:crypto';
import { connectLocalAws } from '@streamlens/local-aws';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { tableDefinitions } from '../../src/adapters/tables.js';
import type { lambdaContext } from './kinesis-events.js';

export type AggregatorHandler = (
  e: KinesisStreamEvent,
  c: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;

/**
 * The real handler against the local stand-ins, for an integration test file: fresh tables,
 * aggregates stream and lake bucket named `<prefix>-…-<random>`, the handler's environment
 * pointing at them (plus `extraEnv`), the handler module loaded once for the file.
 */
export function localAggregator(prefix: string, extraEnv: Record<string, string> = {}) {
  const suffix = randomUUID().slice(0, 8);
  const names = {
    state: `${prefix}-state-${suffix}`,
    windows: `${prefix}-windows-${suffix}`,
    stream: `${prefix}-aggregates-${suffix}`,
    bucket: `${prefix}-lake-${suffix}`,
  };
  const aws = connectLocalAws();
  return {
    names,
    aws,
    /** Creates the resources, sets the environment and loads the handler (call in beforeAll). */
    async start(): Promise<AggregatorHandler> {
      await aws.createResources({
        streams: [{ name: names.stream, shardCount: 1 }],
        tables: tableDefinitions(names.state, names.windows),
        buckets: [names.bucket],
      });
      Object.assign(process.env, {
        STATE_TABLE_NAME: names.state,
        WINDOW_TABLE: 'on',
        WINDOW_TABLE_NAME: names.windows,
        AGGREGATES_STREAM_NAME: names.stream,
        LAKE_BUCKET_NAME: names.bucket,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...extraEnv,
      });
      return (await import('../../src/handler.js')).handler as AggregatorHandler;
    },
  };
}
