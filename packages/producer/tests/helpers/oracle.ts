import { createRequire } from 'node:module';

// aws-kinesis-agg (awslabs) is the reference KPL de-aggregator. Its typings import aws-sdk v2,
// so it is typed locally.
export interface OracleUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  subSequenceNumber?: number;
  /** base64 */
  data: string;
}
interface OracleModule {
  deaggregateSync(
    record: { partitionKey: string; data: string; sequenceNumber: string },
    computeChecksums: boolean,
    cb: (err: Error | null | undefined, records?: OracleUserRecord[]) => void,
  ): void;
}
const oracle = createRequire(import.meta.url)('aws-kinesis-agg') as OracleModule;

/** De-aggregates a Kinesis record with aws-kinesis-agg (checksums verified). */
export function oracleDeaggregate(partitionKey: string, bytes: Uint8Array): OracleUserRecord[] {
  let out: OracleUserRecord[] | undefined;
  let error: Error | undefined;
  oracle.deaggregateSync(
    { partitionKey, data: Buffer.from(bytes).toString('base64'), sequenceNumber: '1' },
    true,
    (err, records) => {
      if (err) error = err;
      else out = records;
    },
  );
  if (error || !out) throw new Error(`aws-kinesis-agg failed: ${error?.message}`);
  return out;
}
