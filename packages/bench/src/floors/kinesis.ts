import type { KinesisStreamEvent } from 'aws-lambda';

/** Count and sum per series key: the least state a windowed aggregator must keep per batch. */
export interface SeriesSums {
  readonly count: number;
  readonly sum: number;
}

/**
 * Series key of a parsed event: the metric and its dimensions in sorted key order (telemetry), or
 * `log.count` with service and level (logs). A plain string join: the floor does not escape.
 */
export function floorSeriesKey(event: {
  type?: unknown;
  data?: { metric?: unknown; dimensions?: unknown; service?: unknown; level?: unknown };
}): string {
  const data = event.data ?? {};
  if (event.type === 'app.log') return `log.count|level=${data.level}|service=${data.service}`;
  let key = String(data.metric);
  const dims = data.dimensions as Record<string, string> | undefined;
  if (dims) {
    const names = Object.keys(dims).sort();
    for (const name of names) key += `|${name}=${dims[name]}`;
  }
  return key;
}

/**
 * The Kinesis floor (docs/performance-targets.md): per record base64-decode, `JSON.parse`, and a count and
 * sum per series key. Records that do not parse are skipped.
 *
 * @example
 * const sums = floorKinesisBatch(event); // Map { 'cpu.utilization|host=web-1|...' => { count, sum } }
 */
export function floorKinesisBatch(event: KinesisStreamEvent): Map<string, SeriesSums> {
  const sums = new Map<string, { count: number; sum: number }>();
  for (const record of event.Records) {
    let parsed: {
      type?: unknown;
      data?: { value?: unknown; metric?: unknown; dimensions?: unknown };
    };
    try {
      parsed = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    } catch {
      continue;
    }
    addToSums(sums, parsed);
  }
  return sums;
}

/** Counts a parsed event (anything that is not an object is skipped) in its series' sums. */
export function addToSums(
  sums: Map<string, { count: number; sum: number }>,
  parsed: { type?: unknown; data?: { value?: unknown } } | null,
): void {
  if (parsed === null || typeof parsed !== 'object') return;
  const key = floorSeriesKey(parsed as Parameters<typeof floorSeriesKey>[0]);
  const value = typeof parsed.data?.value === 'number' ? parsed.data.value : 1;
  const entry = sums.get(key);
  if (entry) {
    entry.count++;
    entry.sum += value;
  } else {
    sums.set(key, { count: 1, sum: value });
  }
}
