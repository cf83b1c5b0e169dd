import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRng, defineBench, defineWorkload, type WorkloadData } from '@streamlens/bench';
import type { KafkaEvent } from '@streamlens/lambda-kit/kafka';
import { kinesisEvent, kinesisRecord } from '@streamlens/lambda-kit/testing';
import { clientOptions, startLocalAws } from '@streamlens/local-aws';
import type { KinesisStreamEvent } from 'aws-lambda';
import { DynamoStateStore } from '../src/adapters/dynamo-store.js';
import { tableDefinitions } from '../src/adapters/tables.js';
import { RecordDecoder } from '../src/decode/record-decoder.js';
import { encodeDelta } from '../src/domain/delta-codec.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../src/domain/engine.js';
import type { Checkpoint, Delta, RecordSource, StateStore } from '../src/domain/types.js';
import { KafkaRecordSource } from '../src/sources/kafka.js';
import { KinesisRecordSource } from '../src/sources/kinesis.js';

/**
 * A state store that accepts everything and keeps nothing: the bench measures the domain path
 * (decode, validate, series key, window, lateness, planning into per-lane deltas) without any
 * I/O, as the target in docs/performance-targets.md says. It encodes every delta as the DynamoDB store does (the
 * binary layout and its deflate are part of each batch's cost).
 */
class NullStore implements StateStore {
  deltas = 0;
  bytes = 0;
  async loadHeads(): Promise<Map<string, Checkpoint>> {
    return new Map();
  }
  async markWindows(): Promise<void> {}
  async appendDelta(d: Delta): Promise<'ok'> {
    this.deltas++;
    this.bytes += encodeDelta(d).length;
    return 'ok';
  }
  async dueMarkers() {
    return [];
  }
  async allMarkers() {
    return [];
  }
  async windowDeltas() {
    return [];
  }
  async getFlushStates() {
    return new Map();
  }
  async putFlushState(): Promise<'ok'> {
    return 'ok';
  }
  async clearMarker(): Promise<void> {}
}

const nothing = { emit: async () => {}, put: async () => {} };

/**
 * One shard's 1,000-record batch of the scale issue's workload: 2,000 series over 4 shards (this
 * shard's 500), 250 events/s of event time. Each run gets a new shard id (a new lane), so that
 * every run appends the same delta.
 */
const shardBatch = defineWorkload<{ batch: (shardId: string) => KinesisStreamEvent }>({
  name: 'aggregator-2000-series',
  description: 'one shard’s 1,000 records over 500 of 2,000 series, into DynamoDB Local',
  events: 1000,
  build: () => {
    const rng = createRng(11);
    const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
    const rows = Array.from({ length: 1000 }, (_v, n) => ({
      at: T0 + n * 4 - rng.int(0, 2000),
      host: `h${4 * rng.int(0, 499)}`,
      value: rng.int(0, 10_000) / 100,
    }));
    return {
      batch: (shardId: string) =>
        kinesisEvent(
          rows.map((r, n) =>
            kinesisRecord(
              shardId,
              (10n ** 20n + BigInt(n)).toString(),
              {
                specversion: '1.0',
                id: `${shardId}-${n}`,
                source: 'bench/aggregator',
                type: 'telemetry.reading',
                time: new Date(r.at).toISOString(),
                data: { metric: 'cpu.load', value: r.value, dimensions: { host: r.host } },
              },
              { partitionKey: r.host },
            ),
          ),
        ),
    };
  },
});

/**
 * The domain path of one source's 6 MB workload on a null store. Every run is a batch the engine
 * has not applied yet, as every invocation of the deployed function is: the workload's records
 * are fixed, so an engine kept across runs would find them at or below the lane head it cached
 * on the first run and skip them all as duplicates. The decoder's caches are kept.
 */
function noIoSuite<N extends 'kinesis-6mb' | 'kafka-6mb' | 'kafka-binary'>(
  workload: N,
  sourceName: string,
  source: (data: WorkloadData<N>, decode: RecordDecoder) => RecordSource,
  // Binary mode carries attributes as header text: an event made invalid by a non-string
  // attribute (a numeric id) arrives valid, so only the total is checked there.
  invalidAsGenerated = true,
) {
  return defineBench({
    workload,
    name: 'stream-aggregator: decode, validate, window, sketch (no I/O)',
    kind: 'streamlens',
    notes: `${sourceName} + Aggregator.processBatch on a null store, a new engine per run`,
    setup: (data) => {
      const deps = { store: new NullStore(), windows: nothing, rejects: nothing };
      return {
        deps,
        // Lives as long as the bench, as the container's engine does: its shape anchor keeps the
        // hidden classes (and the optimised code) alive across the runner's gc() between runs.
        container: new Aggregator(DEFAULT_ENGINE_CONFIG, deps),
        decode: new RecordDecoder({ seriesDimensions: [], maxRecordBytes: data.maxRecordBytes }),
      };
    },
    run: async (data, s) => {
      const aggregator = new Aggregator(DEFAULT_ENGINE_CONFIG, s.deps);
      return aggregator.processBatch(source(data, s.decode), Number.POSITIVE_INFINITY);
    },
    check: (output, data) => {
      const out = output as Awaited<ReturnType<Aggregator['processBatch']>>;
      const invalid = data.records.filter((r) => r.invalid !== undefined).length;
      if (out.failures.length > 0) throw new Error('failures reported');
      if (invalidAsGenerated && out.invalid !== invalid) {
        throw new Error(`${out.invalid} invalid, expected ${invalid}`);
      }
      if (out.applied + out.invalid + out.tooLate !== data.records.length) {
        throw new Error('records not all accounted for');
      }
    },
  });
}

/** State-table write units one invocation may spend per event (measured ≈ 0.02; before: ≈ 1.9). */
const MAX_STATE_WRITE_UNITS_PER_EVENT = 0.03;

export const suites = [
  noIoSuite(
    'kinesis-6mb',
    'KinesisRecordSource',
    (data, decode) => new KinesisRecordSource(data.event, decode),
  ),
  noIoSuite(
    'kafka-6mb',
    'KafkaRecordSource',
    (data, decode) => new KafkaRecordSource(data.event as KafkaEvent, decode),
  ),
  noIoSuite(
    'kafka-binary',
    'KafkaRecordSource',
    (data, decode) => new KafkaRecordSource(data.event as KafkaEvent, decode),
    false,
  ),
  defineBench({
    workload: shardBatch,
    name: 'stream-aggregator: one invocation into DynamoDB Local (2,000 series)',
    kind: 'streamlens',
    notes: `checks ≤ ${MAX_STATE_WRITE_UNITS_PER_EVENT} state write units per event (ReturnConsumedCapacity)`,
    setup: async () => {
      // Started once for the bench process; local-aws stops it when the process exits.
      const aws = await startLocalAws({ services: ['dynamodb'] });
      await aws.createResources({
        tables: tableDefinitions('bench-agg-state', 'bench-agg-windows'),
      });
      const client = new DynamoDBClient({ ...clientOptions(aws.env, 'dynamodb'), maxAttempts: 1 });
      const store = new DynamoStateStore(
        DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
        {
          stateTableName: 'bench-agg-state',
          windowTableName: 'bench-agg-windows',
          markerBuckets: 4,
          stateTtlSeconds: 3600,
          windowTtlSeconds: 3600,
        },
      );
      const aggregator = new Aggregator(DEFAULT_ENGINE_CONFIG, {
        store,
        windows: nothing,
        rejects: nothing,
      });
      return { store, aggregator, decode: new RecordDecoder({ seriesDimensions: [] }), runs: 0 };
    },
    run: async (data, s) => {
      const event = data.batch(`shardId-bench-${s.runs++}`);
      const before = s.store.consumed.write;
      const out = await s.aggregator.processBatch(
        new KinesisRecordSource(event, s.decode),
        Date.now() + 60_000,
      );
      return { out, writeUnits: s.store.consumed.write - before };
    },
    check: (output) => {
      const { out, writeUnits } = output as {
        out: Awaited<ReturnType<Aggregator['processBatch']>>;
        writeUnits: number;
      };
      if (out.failures.length > 0 || out.applied !== 1000) throw new Error('not all applied');
      if (writeUnits / 1000 > MAX_STATE_WRITE_UNITS_PER_EVENT) {
        throw new Error(`${(writeUnits / 1000).toFixed(4)} write units per event`);
      }
    },
  }),
];
