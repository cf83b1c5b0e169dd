/**
 * The scanner against what it replaces, in isolation, on the records of a firehose workload:
 * `node --import tsx services/firehose-transform/bench/scan-vs-parse.ts [rounds] [workload]`.
 * Per round and interleaved: (a) `JSON.parse` of the record's text alone, (b) `JSON.parse` +
 * `validateEvent` (today's validation), (c) `scanInputEvent` on the bytes. Prints CPU ns per
 * record (medians) and the ratios of the same rounds.
 */
import { median, medianRatio, pairedRounds, workloads } from '@streamlens/bench';
import { InputEventScan, scanInputEvent, validateEvent } from '@streamlens/schema';

const rounds = Number(process.argv[2] ?? 30);
const name = (process.argv[3] ?? 'firehose-1mib') as 'firehose-1mib' | 'firehose-6mib';
const records = workloads[name].data().event.records.map((r) => Buffer.from(r.data, 'base64'));
const scan = new InputEventScan();
let accepted = 0;
for (const b of records) if (scanInputEvent(b, 0, b.length, scan)) accepted++;
let sink = 0;

const impls: Record<string, () => void> = {
  parse: () => {
    for (const b of records) {
      try {
        sink += JSON.parse(b.toString('utf8')) === null ? 1 : 0;
      } catch {
        // An invalid record: only the cost of JSON.parse failing is measured.
      }
    }
  },
  'parse+validate': () => {
    for (const b of records) {
      try {
        sink += validateEvent(JSON.parse(b.toString('utf8'))).ok ? 1 : 0;
      } catch {
        // An invalid record: only the cost of JSON.parse failing is measured.
      }
    }
  },
  scan: () => {
    for (const b of records) sink += scanInputEvent(b, 0, b.length, scan) ? 1 : 0;
  },
};
// CPU ns per record of each round's sample.
const perRecord = (ms: number[]) => ms.map((x) => (x * 1e6) / records.length);
const { cpu: cpuMs } = await pairedRounds(impls, rounds, { warmup: 20 });
const cpu = Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, perRecord(v)]));
const keys = Object.keys(impls);
const ratio = (a: string, b: string): number => medianRatio(cpu[a]!, cpu[b]!);
console.log(
  `${name}: ${records.length} records, scanner accepts ${accepted}; CPU ns/record (median of ${rounds}): ` +
    keys.map((k) => `${k} ${median(cpu[k]!).toFixed(0)}`).join(', '),
);
console.log(
  `paired: scan/parse ${ratio('scan', 'parse').toFixed(2)}, scan/(parse+validate) ${ratio('scan', 'parse+validate').toFixed(2)} (sink ${sink > 0})`,
);
