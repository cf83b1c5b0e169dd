// A stage's Alerts view reading anomaly-alerts' state table:
// `npx tsx packages/dashboard/bench/state-scan.ts [series] [windows]`. Starts DynamoDB Local,
// writes `series` items as anomaly-alerts leaves them after `windows` scored windows and one
// closed episode (its own scoreWindow and DynamoSeriesStore), then reads one pass the way the
// dashboard does (EpisodeReader, one Scan page per poll) and reports the pages, the time each
// poll spent, and the stored bytes per item.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSeriesStore, toStoredSeriesItem } from '@streamlens/anomaly-alerts/store';
import { startLocalAws } from '@streamlens/local-aws';
import { EpisodeReader } from '../src/episodes.js';
import { scored, stateTableWith, steady } from '../tests/helpers/stage.js';

const seriesCount = Number(process.argv[2] ?? 2_000);
const windowCount = Number(process.argv[3] ?? 200);

const aws = await startLocalAws({ services: ['dynamodb'] });
try {
  const base = scored('h-0', [...steady(windowCount), 500, ...steady(3)], true).item;
  const items = Array.from({ length: seriesCount }, (_, i) => ({
    ...base,
    series: `cpu.utilization|host=h-${i}|service=checkout`,
  }));
  const bytes = items.reduce((n, item) => {
    const stored = toStoredSeriesItem(item);
    return n + (stored.z as Uint8Array).length + item.series.length + 8;
  }, 0);
  await stateTableWith(aws, 'bench-state', []);
  const doc = DynamoDBDocumentClient.from(aws.clients().dynamodb);
  const store = new DynamoSeriesStore(doc, 'bench-state');
  for (let i = 0; i < items.length; i += 50) {
    await Promise.all(items.slice(i, i + 50).map((item) => store.put(item, 0)));
  }
  const reader = new EpisodeReader(doc, 'bench-state', { now: () => 0 });
  const polls: { items: number; ms: number }[] = [];
  let alerts = 0;
  do {
    const t = performance.now();
    const read = await reader.read();
    // Each item holds one closed episode: its open and recovered alerts.
    polls.push({ items: read.alerts.length / 2, ms: Math.round(performance.now() - t) });
    alerts += read.alerts.length;
  } while (polls.length < 100 && polls.reduce((n, p) => n + p.items, 0) < seriesCount);
  process.stdout.write(
    `${JSON.stringify({ series: seriesCount, windows: windowCount, bytesPerItem: Math.round(bytes / seriesCount), tableBytes: bytes, polls, alerts })}\n`,
  );
} finally {
  await aws.stop();
}
