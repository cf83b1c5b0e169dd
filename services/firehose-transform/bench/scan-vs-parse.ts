/**
 * The scanner against what it replaces, in isolation, on the records of a firehose workload:
 * `node --import tsx services/firehose-transform/bench/scan-vs-parse.ts [rounds] [workload]`.
 * Per round and interleaved: (a) `JSON.parse` of the record's text alone, (b) `JSON.parse` +
 * `validateEvent` (today's validation), (c) `scanInputEvent` on the bytes. Prints CPU ns per
 * record (medians) and the ratios of the same rounds.
 */
import { workloads } from '@streamlens/bench';
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
      } catch {}
    }
  },
  'parse+validate': () => {
    for (const b of records) {
      try {
        sink += validateEvent(JSON.parse(b.toString('utf8'))).ok ? 1 : 0;
      } catch {}
    }
  },
  scan: () => {
    for (const b of records) sink += scanInputEvent(b, 0, b.length, scan) ? 1 : 0;
  },
};
const keys = Object.keys(impls);
const cpu: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
for (let i = 0; i < 20; i++) for (const k of keys) impls[k]!();
for (let r = 0; r < rounds; r++) {
  // Rotations of the order and of its reverse: each one follows each other equally often.
  const order = r % 2 === 0 ? keys : [...keys].reverse();
  for (let j = 0; j < keys.length; j++) {
    const k = order[(j + (r >> 1)) % keys.length]!;
    const c = process.cpuUsage();
    impls[k]!();
    const u = process.cpuUsage(c);
    cpu[k]!.push(((u.user + u.system) * 1000) / records.length);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: string, b: string): number => median(cpu[a]!.map((x, i) => x / cpu[b]![i]!));
console.log(
  `${name}: ${records.length} records, scanner accepts ${accepted}; CPU ns/record (median of ${rounds}): ` +
    keys.map((k) => `${k} ${median(cpu[k]!).toFixed(0)}`).join(', '),
);
console.log(
  `paired: scan/parse ${ratio('scan', 'parse').toFixed(2)}, scan/(parse+validate) ${ratio('scan', 'parse+validate').toFixed(2)} (sink ${sink > 0})`,
);
