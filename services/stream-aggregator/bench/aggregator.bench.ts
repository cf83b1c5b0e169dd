import { defineBench } from '@streamlens/bench';
import { KinesisRecordSource, RecordDecoder } from '../src/decode.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../src/domain/engine.js';
import type { Checkpoint, Commit, StateStore } from '../src/domain/types.js';

/**
 * A state store that accepts everything and keeps nothing: the bench measures the domain path
 * (decode, validate, series key, window, lateness, sketch and partial updates, sub-batch planning)
 * without any I/O, as PERFORMANCE.md's target says.
 */
class NullStore implements StateStore {
  commits = 0;
  partials = 0;
  bins = 0;
  async loadCheckpoints(): Promise<Map<string, Checkpoint>> {
    return new Map();
  }
  async loadPartials() {
    return new Map();
  }
  async commit(c: Commit): Promise<'ok'> {
    this.commits++;
    this.partials += c.partials.length;
    // The DynamoDB store serialises every partial before sending it; toJSON is where the
    // sketch's values are binned, so it is part of the "sketch update" the bench must measure.
    for (const p of c.partials) this.bins += p.next.partial.toJSON().k.pos.c.length;
    return 'ok';
  }
  async raiseWatermark(): Promise<number> {
    return Number.NEGATIVE_INFINITY;
  }
  async dueMarkers() {
    return [];
  }
  async windowPartials() {
    return [];
  }
  async getWindow() {
    return undefined;
  }
  async putWindow(): Promise<'ok'> {
    return 'ok';
  }
  async clearMarker(): Promise<void> {}
}

const nothing = { emit: async () => {}, put: async () => {} };

export const suites = [
  defineBench({
    workload: 'kinesis-6mb',
    name: 'stream-aggregator: decode, validate, window, sketch (no I/O)',
    kind: 'streamlens',
    notes: 'KinesisRecordSource + Aggregator.processBatch on a null store',
    setup: (data) => ({
      aggregator: new Aggregator(DEFAULT_ENGINE_CONFIG, {
        store: new NullStore(),
        windows: nothing,
        rejects: nothing,
      }),
      decode: new RecordDecoder({ seriesDimensions: [], maxRecordBytes: data.maxRecordBytes }),
    }),
    run: async (data, s) => {
      const records = new KinesisRecordSource(data.event, s.decode);
      return s.aggregator.processBatch(records, Number.POSITIVE_INFINITY);
    },
    check: (output, data) => {
      const out = output as Awaited<ReturnType<Aggregator['processBatch']>>;
      const invalid = data.records.filter((r) => r.invalid !== undefined).length;
      if (out.failures.length > 0) throw new Error('failures reported');
      if (out.invalid !== invalid) throw new Error(`${out.invalid} invalid, expected ${invalid}`);
      if (out.applied + out.invalid + out.tooLate !== data.records.length) {
        throw new Error('records not all accounted for');
      }
    },
  }),
];
