import {
  decodeKafkaRecord,
  hasAttributeHeaders,
  type KafkaEvent,
  type KafkaEventRecord,
  kafkaRecordsOf,
} from '@streamlens/lambda-kit/kafka';
import {
  type DecodeOptions,
  inputRecord,
  RecordDecoder,
  type RecordOrigin,
} from '../decode/record-decoder.js';
import type { InputRecord, RecordSource } from '../domain/types.js';

/**
 * The records of a Kafka event (Amazon MSK or self-managed; docs/kafka.md) as a
 * {@link RecordSource}: one input record per Kafka record, its lane the topic-partition (what
 * Lambda keeps in order) and its position the offset, so the engine's checkpoints are per
 * topic-partition and offset. Structured-mode and plain records are decoded from their base64
 * value as Kinesis records are; binary-mode records (ce_ headers) through the binding first. A
 * record that cannot be read becomes an invalid record at its position, with the reason.
 */
export class KafkaRecordSource implements RecordSource {
  private readonly groups: string[] = [];
  private readonly records: KafkaEventRecord[] = [];
  private readonly lanes: string[] = [];
  private readonly keys: string[] = [];
  private readonly decoder: RecordDecoder;
  private readonly eventSourceArn: string;
  private readonly origin: RecordOrigin = {
    shardId: '',
    seq: '',
    sub: 0,
    partitionKey: '',
    arrivalTimeMs: 0,
  };

  constructor(event: KafkaEvent, decoder: RecordDecoder | DecodeOptions) {
    this.decoder = decoder instanceof RecordDecoder ? decoder : new RecordDecoder(decoder);
    this.eventSourceArn = event.eventSourceArn ?? '';
    for (const { group, record } of kafkaRecordsOf(event)) {
      const wellFormed = typeof record === 'object' && record !== null;
      this.groups.push(group);
      this.records.push(record);
      this.lanes.push(
        wellFormed && typeof record.topic === 'string' && Number.isInteger(record.partition)
          ? `${record.topic}-${record.partition}`
          : group,
      );
      this.keys.push(
        wellFormed && typeof record.key === 'string'
          ? Buffer.from(record.key, 'base64').toString('utf8')
          : '',
      );
    }
  }

  get length(): number {
    return this.records.length;
  }

  shardIdAt(i: number): string {
    return this.lanes[i]!;
  }

  orderKeyAt(i: number): string {
    return this.keys[i]!;
  }

  at(i: number): InputRecord {
    const record = this.records[i]!;
    const origin = this.origin;
    origin.shardId = this.lanes[i]!;
    origin.partitionKey = this.keys[i]!;
    if (
      typeof record === 'object' &&
      record !== null &&
      typeof record.value === 'string' &&
      !hasAttributeHeaders(record)
    ) {
      // Structured or plain: the value is the event, decoded exactly as a Kinesis record's data.
      origin.seq = String(record.offset);
      origin.arrivalTimeMs = Number.isFinite(record.timestamp) ? record.timestamp : 0;
      return this.decoder.recordBase64(origin, record.value);
    }
    const decoded = decodeKafkaRecord(this.groups[i]!, record, this.eventSourceArn);
    if (decoded.ok) {
      const [r] = decoded.records;
      origin.seq = r.sequenceNumber;
      origin.arrivalTimeMs = r.arrivalTimeMs;
      return this.decoder.recordOfBytes(origin, r.data);
    }
    const f = decoded.failure;
    origin.seq = f.sequenceNumber;
    origin.arrivalTimeMs = f.arrivalTimeMs;
    return inputRecord(origin, undefined, { code: f.code, message: f.message, path: '$' }, f.data);
  }
}
