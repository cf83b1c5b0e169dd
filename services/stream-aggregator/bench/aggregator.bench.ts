import { defineBench } from '@streamlens/bench';
import { KinesisRecordSource, RecordDecoder } from '../src/decode.js';
import { encodeDelta } from '../src/domain/delta-codec.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../src/domain/engine.js';
import type { Checkpoint, Delta, StateStore } from '../src/domain/types.js';

/**
 * A state store that accepts everything and keeps nothing: the bench measures the domain path
 * (decode, validate, series key, window, lateness, planning into per-lane deltas) without any
 * I/O, as PERFORMANCE.md's target says. It encodes every delta as the DynamoDB store does (the
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
  async getFlushState() {
    return undefined;
  }
  async putFlushState(): Promise<'ok'> {
    return 'ok';
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
