import {
  aggregationMonthly,
  type CostInput,
  type CostResult,
  crossoverRate,
  flinkMonthly,
  GROUPS,
} from './cost.js';
import { DEFAULTS } from './defaults.js';
import type { Line } from './money.js';
import { PRICES } from './prices.js';
import type { ScaleResult } from './scale.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const usd = (n: number) =>
  n >= 100
    ? `$${int(n)}`
    : n >= 0.01
      ? `$${n.toFixed(2)}`
      : n === 0
        ? '$0'
        : `$${n.toPrecision(2)}`;
const qty = (n: number) => (n >= 100 ? int(n) : n >= 0.01 ? n.toFixed(2) : n.toPrecision(2));

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(' | ')} |`;
  return [fmt(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(fmt)].join(
    '\n',
  );
}

function lineRow(l: Line, perMillion: number): string[] {
  const p = PRICES[l.price];
  return [
    `${l.group}: ${l.what}`,
    `${qty(l.quantity)} ${p.unit}`,
    l.usd === null ? 'price unknown' : usd(l.usd),
    l.usd === null ? '—' : usd(l.usd / perMillion),
  ];
}

export function renderCost(result: CostResult, compareRates: readonly number[]): string {
  const i = result.input;
  const millions = (i.rate * 730 * 3600) / 1e6;
  const out: string[] = [];
  out.push(
    `${int(i.rate)} events/s × ${i.eventBytes} B, ${i.shards} shard(s), Lambda consumers ${i.consumers === 'efo' ? 'on enhanced fan-out' : 'polling (shared)'}, ${i.memoryMb} MB arm64; us-east-1 prices read ${PRICES.flinkKpuHour.read} (packages/capacity/src/prices.ts)`,
    '',
    table(
      ['line', 'per month', '$ / month', '$ / million events'],
      result.lines.map((l) => lineRow(l, millions)),
    ),
    '',
    table(
      ['group', '$ / month', '$ / million events', 'left out (price unknown)'],
      [
        ...result.groups.map((g) => [
          g.name,
          usd(g.usd),
          usd(g.usd / millions),
          g.unknown.map((u) => u.what).join(', ') || '—',
        ]),
        [
          'total (known prices)',
          usd(result.total.usd),
          usd(result.perMillionEvents),
          `${result.total.unknown.length} lines`,
        ],
      ],
    ),
  );
  if (result.total.unknown.length > 0) {
    out.push(
      '',
      `Not in the totals (no published price found): ${result.total.unknown
        .map((u) => `${u.what} (${qty(u.quantity)} ${PRICES[u.price].unit})`)
        .join('; ')}.`,
    );
  }
  const base: Omit<CostInput, 'rate' | 'shards'> = {
    eventBytes: i.eventBytes,
    consumers: i.consumers,
    memoryMb: i.memoryMb,
    opensearch: false,
    redshift: false,
  };
  out.push(
    '',
    `The ${GROUPS.aggregation} (stream-aggregator + anomaly-alerts: Lambda, DynamoDB, aggregates stream${i.consumers === 'efo' ? ', EFO' : ''}, SNS) against Managed Service for Apache Flink running the same aggregation and detection (${int(DEFAULTS.flinkEventsPerKpu.value)} events/s per KPU, at least 1 KPU + 1 orchestration KPU; shards sized for each rate):`,
    '',
    table(
      ['events/s', 'aggregation path $/month', 'Flink KPUs (+1)', 'Flink $/month'],
      compareRates.map((rate) => {
        const f = flinkMonthly(rate);
        return [int(rate), usd(aggregationMonthly(rate, base)), `${f.kpus} + 1`, usd(f.usd)];
      }),
    ),
  );
  const cross = crossoverRate(base);
  out.push(
    '',
    cross === null
      ? 'Managed Flink is not cheaper than the aggregation path at any rate up to 10 million events/s.'
      : `Managed Flink is cheaper than the aggregation path above ≈ ${int(cross)} events/s.`,
  );
  return out.join('\n');
}

export function renderScale(results: readonly ScaleResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const i = r.input;
    out.push(
      `${int(i.rate)} events/s, ${i.shards} shards, ${int(i.series)} series, ${i.windowSeconds} s windows, batch ${i.batchSize} / ${i.batchWindowSeconds} s, parallelization ${i.parallelization}, ${i.eventBytes} B events, consumers ${i.consumers}`,
      `stream-aggregator: ${qty(r.aggregator.eventsPerInvocation)} events per invocation, ${qty(r.aggregator.invocationsPerSecond)} invocations/s, delta ${int(r.aggregator.deltaBytes)} B, ${r.aggregator.writeUnitsPerEvent.toFixed(3)} write / ${r.aggregator.readUnitsPerEvent.toFixed(4)} read units per event, one window's flush ≈ ${qty(r.aggregator.flushSeconds)} s, flush state in ${int(r.aggregator.flushShards)} shard${r.aggregator.flushShards === 1 ? '' : 's'}${r.input.windowTable ? ', window table on' : ''}`,
      '',
      table(
        [
          'service',
          'requests/s',
          'WCU/s',
          'RCU/s',
          'hottest key',
          'its WCU/s (limit 1,000)',
          'Lambda concurrency',
          '$ / month',
        ],
        r.rows.map((row) => [
          row.service,
          qty(row.requestsPerSecond),
          qty(row.wcuPerSecond),
          qty(row.rcuPerSecond),
          row.hottestKey,
          qty(row.hottestKeyWcu),
          row.concurrency === 0 ? '—' : int(row.concurrency),
          usd(row.monthlyUsd),
        ]),
      ),
      '',
      table(
        ['limit checked', 'used', 'limit', 'used / limit'],
        [...r.checks]
          .sort((x, y) => y.used / y.limit - x.used / x.limit)
          .map((c) => [
            c.what,
            `${qty(c.used)} ${c.unit}`,
            `${qty(c.limit)} ${c.unit}`,
            `${Math.round((100 * c.used) / c.limit)}%`,
          ]),
      ),
      '',
      `monthly, known prices: ${usd(r.total.usd)}${r.total.unknown.length ? ` (left out, price unknown: ${r.total.unknown.map((u) => u.what).join(', ')})` : ''}`,
      r.broken.length === 0
        ? `first bottleneck: none broken; closest: ${r.first.what} at ${Math.round((100 * r.first.used) / r.first.limit)}%`
        : `first bottleneck: ${r.first.what}, ${qty(r.first.used)} ${r.first.unit} against ${qty(r.first.limit)} (${(r.first.used / r.first.limit).toFixed(1)}×)${
            r.broken.length > 1
              ? `; also over: ${r.broken
                  .slice(1)
                  .map((c) => `${c.what} ${(c.used / c.limit).toFixed(1)}×`)
                  .join('; ')}`
              : ''
          }`,
      '',
    );
  }
  return out.join('\n');
}
