import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { itemSizeBytes } from '@streamlens/lambda-kit/dynamodb';
import type { RunMonitor } from './run.js';

/**
 * DynamoDB capacity per service, measured: each service's functions reach DynamoDB through a
 * metering proxy of their own (`CapacityMeter.endpointFor`), which asks every call for its
 * consumed capacity (`ReturnConsumedCapacity: INDEXES`, table and index units; DynamoDB Local and
 * dynalite answer it), sums read and write units, and charges each write to the partition key it went
 * to. The report gives units per 1,000 events and the hottest partition key's share of writes.
 */

/** Operations that take ReturnConsumedCapacity; reads and writes as DynamoDB bills them. */
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

type AttributeValue = Record<string, unknown>;
type Consumed = {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
};

/** One write request of a call: its table, key and, for puts, the item (to size it). */
interface WriteTarget {
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  readonly item?: Record<string, AttributeValue>;
}

/** Units one service consumed. */
export interface ServiceCapacity {
  readonly service: string;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly readUnitsPer1000Events: number;
  readonly writeUnitsPer1000Events: number;
  /** `table` + partition key value written most, with its write units. */
  readonly hottestKey?: {
    readonly table: string;
    readonly key: string;
    readonly writeUnits: number;
  };
  /** The hottest key's share of the service's write units (0–1). */
  readonly hottestKeyShare: number;
  /** Calls that succeeded but could not be accounted (their units are missing above). */
  readonly unaccountedCalls: number;
}

interface Tally {
  read: number;
  write: number;
  /** Calls whose answer could not be accounted (not JSON, no key schema). */
  unaccounted: number;
  byKey: Map<string, { table: string; key: string; units: number }>;
}

/** The write requests of a DynamoDB JSON request body. */
export function writeTargets(operation: string, body: Record<string, unknown>): WriteTarget[] {
  const table = String(body.TableName ?? '');
  if (operation === 'PutItem') {
    const item = (body.Item ?? {}) as Record<string, AttributeValue>;
    return [{ table, key: item, item }];
  }
  if (operation === 'UpdateItem' || operation === 'DeleteItem') {
    return [{ table, key: (body.Key ?? {}) as Record<string, AttributeValue> }];
  }
  if (operation === 'BatchWriteItem') {
    const out: WriteTarget[] = [];
    const requests = (body.RequestItems ?? {}) as Record<string, Array<Record<string, unknown>>>;
    for (const [t, list] of Object.entries(requests)) {
      for (const r of list) {
        const put = r.PutRequest as { Item?: Record<string, AttributeValue> } | undefined;
        const del = r.DeleteRequest as { Key?: Record<string, AttributeValue> } | undefined;
        if (put?.Item) out.push({ table: t, key: put.Item, item: put.Item });
        else if (del?.Key) out.push({ table: t, key: del.Key });
      }
    }
    return out;
  }
  if (operation === 'TransactWriteItems') {
    const out: WriteTarget[] = [];
    for (const action of (body.TransactItems ?? []) as Array<Record<string, unknown>>) {
      const put = action.Put as { TableName?: string; Item?: Record<string, AttributeValue> };
      const other = (action.Update ?? action.Delete ?? action.ConditionCheck) as
        | { TableName?: string; Key?: Record<string, AttributeValue> }
        | undefined;
      if (put?.Item) out.push({ table: String(put.TableName), key: put.Item, item: put.Item });
      else if (other?.Key) out.push({ table: String(other.TableName), key: other.Key });
    }
    return out;
  }
  return [];
}

/** The text of a key attribute value (`{S: 'a'}` → `a`). */
function keyText(value: AttributeValue | undefined): string {
  if (value === undefined) return '?';
  const inner = Object.values(value)[0];
  return typeof inner === 'string' ? inner : JSON.stringify(inner);
}

/**
 * Splits a call's write units over its write requests: one request takes them all; several (a
 * batch) share them in proportion to their sizes by DynamoDB's rule (1 unit per KB of a put,
 * 1 for a delete), so that the per-key units add up to what DynamoDB reported.
 */
export function unitsPerTarget(targets: readonly WriteTarget[], reported: number): number[] {
  if (targets.length === 1) return [reported];
  const weights = targets.map((t) =>
    t.item ? Math.max(1, Math.ceil(itemSizeBytes(t.item) / 1024)) : 1,
  );
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total === 0 ? 0 : (reported * w) / total));
}

/** Starts metering proxies and reports what each service consumed. */
export class CapacityMeter {
  private readonly servers = new Map<string, Promise<{ server: Server; endpoint: string }>>();
  private readonly tallies = new Map<string, Tally>();
  /** Partition key attribute per table (DescribeTable, asked once through the proxy). */
  private readonly hashKeys = new Map<string, Promise<string | undefined>>();

  /** An endpoint for `service`'s functions that forwards to `target` (DynamoDB) and meters. */
  endpointFor(service: string, target: string): Promise<string> {
    const id = `${service}\u0000${target}`;
    let started = this.servers.get(id);
    if (!started) {
      started = this.start(service, target);
      this.servers.set(id, started);
    }
    return started.then((s) => s.endpoint);
  }

  /** Units per service, per 1,000 of `events`, with the hottest partition key's share of writes. */
  report(events: number): ServiceCapacity[] {
    const per1000 = (units: number) => (events > 0 ? (units * 1000) / events : 0);
    return [...this.tallies.entries()]
      .map(([service, t]) => {
        let hottest: { table: string; key: string; units: number } | undefined;
        for (const k of t.byKey.values()) if (!hottest || k.units > hottest.units) hottest = k;
        return {
          service,
          readUnits: t.read,
          writeUnits: t.write,
          readUnitsPer1000Events: per1000(t.read),
          writeUnitsPer1000Events: per1000(t.write),
          ...(hottest
            ? { hottestKey: { table: hottest.table, key: hottest.key, writeUnits: hottest.units } }
            : {}),
          hottestKeyShare: hottest && t.write > 0 ? hottest.units / t.write : 0,
          unaccountedCalls: t.unaccounted,
        };
      })
      .sort((a, b) => a.service.localeCompare(b.service));
  }

  async close(): Promise<void> {
    const all = await Promise.all(this.servers.values());
    await Promise.all(
      all.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
    this.servers.clear();
  }

  private tally(service: string): Tally {
    let t = this.tallies.get(service);
    if (!t) {
      t = { read: 0, write: 0, unaccounted: 0, byKey: new Map() };
      this.tallies.set(service, t);
    }
    return t;
  }

  private async start(service: string, target: string) {
    const server = createServer((req, res) => {
      this.handle(service, target, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`capacity meter: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { server, endpoint: `http://127.0.0.1:${port}` };
  }

  private async handle(
    service: string,
    target: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const metered = READS.has(operation) || WRITES.has(operation);
    let request: Record<string, unknown> | undefined;
    if (metered) {
      request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      // INDEXES: the units of the table and of each index it wrote (a put into a table with a
      // global secondary index costs both); CapacityUnits is their sum.
      request.ReturnConsumedCapacity = 'INDEXES';
      body = Buffer.from(JSON.stringify(request));
    }
    const upstream = await forward(target, req, body);
    if (metered && request && upstream.status === 200) {
      // The call happened: whatever the accounting does, the client gets DynamoDB's answer.
      await this.record(service, target, req, operation, request, upstream.body).catch(() => {
        this.tally(service).unaccounted += 1;
      });
    }
    const headers: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
        headers[name] = value;
    });
    headers['content-length'] = String(upstream.body.length);
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }

  private async record(
    service: string,
    target: string,
    req: IncomingMessage,
    operation: string,
    request: Record<string, unknown>,
    responseBody: Buffer,
  ): Promise<void> {
    const response = JSON.parse(responseBody.toString('utf8')) as { ConsumedCapacity?: unknown };
    const consumed = ([] as Consumed[]).concat((response.ConsumedCapacity ?? []) as Consumed[]);
    const t = this.tally(service);
    if (READS.has(operation)) {
      for (const c of consumed) t.read += c.CapacityUnits ?? c.ReadCapacityUnits ?? 0;
      return;
    }
    const reportedByTable = new Map<string, number>();
    for (const c of consumed) {
      const units = c.CapacityUnits ?? c.WriteCapacityUnits ?? 0;
      t.write += units;
      reportedByTable.set(c.TableName ?? '', (reportedByTable.get(c.TableName ?? '') ?? 0) + units);
    }
    const byTable = new Map<string, WriteTarget[]>();
    for (const w of writeTargets(operation, request)) {
      const list = byTable.get(w.table) ?? [];
      list.push(w);
      byTable.set(w.table, list);
    }
    for (const [table, targets] of byTable) {
      const hashKey = await this.hashKeyOf(target, req, table);
      const units = unitsPerTarget(targets, reportedByTable.get(table) ?? 0);
      targets.forEach((w, i) => {
        const key = keyText(hashKey ? w.key[hashKey] : undefined);
        const id = `${table}\u0000${key}`;
        const k = t.byKey.get(id) ?? { table, key, units: 0 };
        k.units += units[i] ?? 0;
        t.byKey.set(id, k);
      });
    }
  }

  private hashKeyOf(target: string, req: IncomingMessage, table: string) {
    let known = this.hashKeys.get(table);
    if (!known) {
      known = describeHashKey(target, req, table);
      this.hashKeys.set(table, known);
    }
    return known;
  }
}

/** The partition key attribute of `table`, asked with the client's own headers (local stand-ins). */
async function describeHashKey(
  target: string,
  req: IncomingMessage,
  table: string,
): Promise<string | undefined> {
  const headers = { ...req.headers, 'x-amz-target': 'DynamoDB_20120810.DescribeTable' };
  const res = await forward(
    target,
    { url: '/', method: 'POST', headers },
    Buffer.from(JSON.stringify({ TableName: table })),
  );
  if (res.status !== 200) return undefined;
  const out = JSON.parse(res.body.toString('utf8')) as {
    Table?: { KeySchema?: Array<{ AttributeName: string; KeyType: string }> };
  };
  return out.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
}

/** Request headers fetch sets itself (the body is re-sent whole, with its own length). */
const HOP_BY_HOP = [
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'expect',
];

async function forward(
  target: string,
  req: Pick<IncomingMessage, 'url' | 'method' | 'headers'>,
  body: Buffer,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const res = await fetch(new URL(req.url ?? '/', target), {
    method: req.method ?? 'POST',
    headers,
    body,
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The report as a table for the terminal. */
export function formatCapacity(rows: readonly ServiceCapacity[], events: number): string {
  const lines = [
    `\nDynamoDB capacity per service (consumed capacity as DynamoDB reports it; ${events} events)`,
    '| service | read units | write units | RU / 1,000 events | WU / 1,000 events | hottest partition key | its share of writes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const key = r.hottestKey
      ? `${r.hottestKey.table} ${r.hottestKey.key.length > 48 ? `${r.hottestKey.key.slice(0, 45)}...` : r.hottestKey.key}`
      : '—';
    lines.push(
      `| ${r.service} | ${r.readUnits.toFixed(1)} | ${r.writeUnits.toFixed(1)} | ${r.readUnitsPer1000Events.toFixed(1)} | ${r.writeUnitsPer1000Events.toFixed(1)} | ${key} | ${(100 * r.hottestKeyShare).toFixed(1)}% |`,
    );
  }
  const unaccounted = rows.reduce((n, r) => n + r.unaccountedCalls, 0);
  if (unaccounted > 0)
    lines.push(`${unaccounted} calls answered but not accounted (units missing)`);
  return `${lines.join('\n')}\n`;
}

/**
 * A metering endpoint per service that uses DynamoDB, in front of the endpoint its functions
 * would use otherwise (the stand-in, its dynalite host, or the fault proxy under --chaos).
 */
export async function meterServices(
  meter: CapacityMeter,
  services: readonly { readonly service: string }[],
  routes: {
    functionEnv: Readonly<Record<string, string>>;
    dynaliteFunctionEndpoint?: string | undefined;
  },
  storage: { dynaliteServices: ReadonlySet<string> },
): Promise<Map<string, string>> {
  const endpoints = new Map<string, string>();
  for (const { service } of services) {
    const target =
      (storage.dynaliteServices.has(service) ? routes.dynaliteFunctionEndpoint : undefined) ??
      routes.functionEnv.AWS_ENDPOINT_URL_DYNAMODB;
    if (target) endpoints.set(service, await meter.endpointFor(service, target));
  }
  return endpoints;
}

/** The summary section of `pnpm start`: units per 1,000 valid events produced, per service. */
export function capacityMonitor(): RunMonitor {
  return {
    name: 'capacity',
    report({ pipeline, ledger }) {
      if (!pipeline.capacity) return undefined;
      const events = ledger.valid.size;
      const rows = pipeline.capacity.report(events);
      return { json: rows, text: formatCapacity(rows, events) };
    },
  };
}
