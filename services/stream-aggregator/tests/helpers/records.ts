import { idHashOf } from '../../src/domain/event-id.js';
import type { InputRecord, Observation } from '../../src/domain/types.js';

/** A Kinesis-like sequence number for index i (fixed width, as real ones of one shard mostly are). */
export function seqOf(i: number): string {
  return (10n ** 20n + BigInt(i) * 7n).toString();
}

/** A valid input record for the engine. */
export function obsRecord(
  shardId: string,
  seq: string,
  sub: number,
  obs: Omit<Observation, 'kind' | 'metric' | 'dimensions' | 'idHash'> & Partial<Observation>,
): InputRecord {
  const value: Observation = {
    kind: 'telemetry',
    metric: obs.series,
    dimensions: {},
    ...obs,
    // A distinct event per position unless the test gives the id.
    idHash: obs.idHash ?? idHashOf(`${shardId}/${seq}/${sub}`),
  };
  return {
    shardId,
    seq,
    sub,
    partitionKey: value.series,
    orderKey: value.series,
    arrivalTimeMs: value.timeMs,
    obs: value,
    error: undefined,
    payload: Buffer.from(JSON.stringify(value)).toString('base64'),
  };
}

/** An invalid input record. */
export function badRecord(shardId: string, seq: string, sub = 0): InputRecord {
  return {
    shardId,
    seq,
    sub,
    partitionKey: 'bad',
    orderKey: 'bad',
    arrivalTimeMs: 0,
    obs: undefined,
    error: { code: 'INVALID_JSON', message: 'not JSON', path: '$' },
    payload: Buffer.from('{not json').toString('base64'),
  };
}

/** mulberry32: a tiny deterministic PRNG for simulation choices seeded by fast-check. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
