import { addToSums, type SeriesSums } from './kinesis.js';

/** A Lambda Kafka event (MSK or self-managed), as far as the bench reads and builds it. */
export interface BenchKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  records: Record<
    string,
    {
      topic: string;
      partition: number;
      offset: number;
      timestamp: number;
      timestampType: string;
      key?: string;
      value: string | null;
      headers: Record<string, number[]>[];
    }[]
  >;
}

/** The `ce_type` header's text of a Lambda Kafka record, if it has one (binary mode). */
function typeHeader(headers: readonly Record<string, number[]>[] | undefined): string | undefined {
  for (const header of headers ?? []) {
    const bytes = header.ce_type;
    if (bytes) return Buffer.from(bytes).toString('utf8');
  }
  return undefined;
}

/**
 * The Kafka floor (docs/performance-targets.md, docs/kafka.md): per record base64-decode the
 * value and `JSON.parse` it (binary mode: the data, with the type from its `ce_type` header), and
 * a count and sum per series key. Records that do not parse are skipped.
 */
export function floorKafkaBatch(event: BenchKafkaEvent): Map<string, SeriesSums> {
  const sums = new Map<string, { count: number; sum: number }>();
  for (const group of Object.keys(event.records)) {
    for (const record of event.records[group] ?? []) {
      if (record.value === null) continue;
      let parsed: { type?: unknown; data?: { value?: unknown } };
      try {
        const value = JSON.parse(Buffer.from(record.value, 'base64').toString('utf8'));
        const type = typeHeader(record.headers);
        parsed = type === undefined ? value : { type, data: value };
      } catch {
        continue;
      }
      addToSums(sums, parsed);
    }
  }
  return sums;
}
