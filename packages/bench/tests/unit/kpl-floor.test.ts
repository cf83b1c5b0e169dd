import { describe, expect, it } from '@jest/globals';
import { floorAggregate, floorDeaggregate, KPL_MAX_PAYLOAD_BYTES } from '../../src/floors/kpl.js';
import { aggAggregate } from '../../src/peers/kpl.js';
import { buildKplUserRecords } from '../../src/workloads.js';

describe('KPL floor codec', () => {
  it('produces the same bytes as aws-kinesis-agg, splits included', async () => {
    // Prepare: 3,000 records (~1.4 MB) need more than one aggregated record.
    const records = buildKplUserRecords(3_000, 7);
    // Act
    const ours = floorAggregate(records);
    const theirs = await aggAggregate(records);
    // Assess
    expect(ours.length).toBe(theirs.length);
    ours.forEach((r, i) => {
      expect(Buffer.from(r.data).equals(Buffer.from(theirs[i]!.data))).toBe(true);
      expect(r.partitionKey).toBe(theirs[i]!.partitionKey);
    });
    expect(ours.length).toBeGreaterThan(1);
  });

  it('round-trips user records, explicit hash keys included', () => {
    // Prepare
    const records = buildKplUserRecords(2_000, 8);
    // Act
    const back = floorAggregate(records, KPL_MAX_PAYLOAD_BYTES).flatMap(
      (r) => floorDeaggregate(r.data) ?? [],
    );
    // Assess
    expect(back).toHaveLength(records.length);
    expect(records.some((r) => r.explicitHashKey)).toBe(true);
    back.forEach((r, i) => {
      expect(r.partitionKey).toBe(records[i]!.partitionKey);
      expect(r.explicitHashKey).toBe(records[i]!.explicitHashKey);
      expect(Buffer.from(r.data).equals(Buffer.from(records[i]!.data))).toBe(true);
    });
  });

  it('rejects a record whose checksum does not match', () => {
    // Prepare
    const [aggregated] = floorAggregate(buildKplUserRecords(10, 9));
    const corrupt = Buffer.from(aggregated!.data);
    corrupt[10] = (corrupt[10] ?? 0) ^ 0xff;
    // Act
    const result = floorDeaggregate(corrupt);
    // Assess
    expect(result).toBeUndefined();
  });
});
