import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProducerConfigError } from '../errors.js';
import { backoffMs } from '../rate.js';
import { CheckpointStore } from './checkpoint.js';
import { compileFilePattern, matchFiles } from './glob.js';
import { EmfEmitter, type SinkMetrics } from './metrics.js';
import { createParser, type LineParser, type ParserConfig } from './parsers.js';
import { createProcessor, type DataProcessingOption, type Processed } from './processing.js';

/** One source of files and where their records go (Kinesis Agent's "flow"). */
export interface FlowConfig {
  /** Name used in checkpoints and progress (default: the file pattern). */
  name?: string;
  /** Files to tail; wildcards in the file name only (`/var/log/app/*.log`). */
  filePattern: string;
  /** Destination: a Kinesis stream, a Firehose delivery stream or a Kafka topic. */
  kinesisStream?: string;
  deliveryStream?: string;
  kafkaTopic?: string;
  /** Where to start in files found at the first start without a checkpoint (default START_OF_FILE). */
  initialPosition?: 'START_OF_FILE' | 'END_OF_FILE';
  /** Line parser (default `{ format: 'raw' }`: each line sent as it is). */
  parser?: ParserConfig;
  /**
   * Partition key: `PARSER` (the parser's key, e.g. an event's subject, else the file), `FILE` (one
   * key per file: the whole file in one shard, in order) or `RANDOM` (default PARSER).
   */
  partitionKeyOption?: 'PARSER' | 'FILE' | 'RANDOM';
  /** A line matching this RegExp starts a record; other lines are appended to the current one. */
  multiLineStartPattern?: string;
  /** Lines to skip at the start of each file (CSV headers). */
  skipHeaderLines?: number;
  /** Records read and sent per checkpointed batch (default 500). */
  maxBufferSizeRecords?: number;
  /** Longer records are cut to this many bytes and end with `truncatedRecordTerminator` (default 1 MiB − 1 KiB). */
  maxRecordSizeBytes?: number;
  truncatedRecordTerminator?: string;
  /** KPL-aggregate Kinesis records (default false). */
  aggregate?: boolean;
  /**
   * Kinesis Agent's processing options (SINGLELINE, CSVTOJSON, LOGTOJSON, ADDMETADATA), applied in
   * order to each record before `parser`. A record an option cannot convert counts as a parse error.
   */
  dataProcessingOptions?: DataProcessingOption[];
}

export interface AgentConfig {
  /** Where offsets are kept (JSON, replaced atomically). */
  checkpointFile: string;
  flows: FlowConfig[];
  /** How often files are listed and read (default 250). */
  pollIntervalMillis?: number;
  /** Producer linger: how long records wait for a batch (Kinesis Agent's maxBufferAgeMillis; default 500). */
  maxBufferAgeMillis?: number;
  /** Progress line interval (default 10 000; 0 disables). */
  progressIntervalMillis?: number;
  /** A file gone from the pattern (renamed away, deleted) is drained until idle this long (default 2000). */
  rotatedFileGraceMillis?: number;
  /** A held multi-line record is sent when its file has been idle this long (default 2000). */
  multiLineFlushMillis?: number;
  /** Backoff of batches the sink refused (default 200 … 10 000 ms). */
  retryInitialBackoffMillis?: number;
  retryMaxBackoffMillis?: number;
  /** `source` of built events (default the host name). */
  source?: string;
  /** Endpoints (default AWS_ENDPOINT_URL_KINESIS / _FIREHOSE) and region. */
  kinesis?: { endpoint?: string; region?: string };
  firehose?: { endpoint?: string; region?: string };
  /**
   * Kafka brokers (default KAFKA_BOOTSTRAP_SERVERS) and the CloudEvents binding mode of the
   * records (default structured; docs/kafka.md).
   */
  kafka?: { bootstrapServers?: string; mode?: 'structured' | 'binary' };
  /** Emit metrics as CloudWatch Embedded Metric Format lines (Kinesis Agent's setting; default false). */
  'cloudwatch.emitMetrics'?: boolean;
  /** File the EMF lines are appended to (default stdout). */
  'cloudwatch.metricsFile'?: string;
  /** One EMF line per interval (default 60 000, Kinesis Agent's one-minute metrics). */
  'cloudwatch.metricsIntervalMillis'?: number;
  /** Metric namespace (default `StreamlensAgent`). */
  'cloudwatch.namespace'?: string;
}

/** Where an agent sends records: a producer (ordered) or a test double. */
export interface AgentSink {
  put(record: { data: string; partitionKey: string }): Promise<unknown>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Producer metrics, reported in the agent's CloudWatch metrics when present. */
  metrics?(): SinkMetrics;
}

export interface AgentStats {
  files: number;
  linesRead: number;
  recordsSent: number;
  parseErrors: number;
  sinkRetries: number;
  truncations: number;
  rotations: number;
  /** Bytes in tracked files not yet acknowledged. */
  bytesBehind: number;
}

const FP_BYTES = 1024;
const CHUNK = 64 * 1024;

interface Tracked {
  key: string;
  dev: number;
  ino: number;
  path: string;
  fh: FileHandle;
  fp: string;
  fpBytes: number;
  fileId: string;
  offset: number;
  size: number;
  seq: number;
  goneSince: number | undefined;
  lastGrowth: number;
  linesSkipped: number;
}

interface Copy {
  fh: FileHandle;
  ofKey: string;
  path: string;
}

interface FlowState {
  name: string;
  config: FlowConfig;
  pattern: { dir: string; re: RegExp };
  parser: LineParser;
  process: ((text: string) => Processed) | undefined;
  multiStart: RegExp | undefined;
  sink: AgentSink;
  tracked: Map<string, Tracked>;
  copies: Map<string, Copy>;
  ignored: Set<string>;
  scanned: boolean;
}

interface LineRecord {
  text: string;
  offset: number;
  end: number;
}

async function fingerprint(fh: FileHandle, bytes: number): Promise<string> {
  const buf = Buffer.alloc(bytes);
  const { bytesRead } = await fh.read(buf, 0, bytes, 0);
  return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
}

/**
 * A file-tailing agent: what Kinesis Agent does. Each poll lists every flow's files, follows them
 * by identity (device + inode, confirmed by a fingerprint of their first KiB) through renames and
 * copy-truncate rotation, reads complete lines from the last acknowledged offset, sends them
 * through the flow's sink and, once the sink acknowledged the whole batch, commits the new offset
 * durably. A crash therefore re-sends at most the unacknowledged batch (at-least-once, in order).
 */
export class Agent {
  private readonly store: CheckpointStore;
  private readonly flows: FlowState[] = [];
  private readonly opts: Required<
    Pick<
      AgentConfig,
      | 'pollIntervalMillis'
      | 'progressIntervalMillis'
      | 'rotatedFileGraceMillis'
      | 'multiLineFlushMillis'
      | 'retryInitialBackoffMillis'
      | 'retryMaxBackoffMillis'
      | 'source'
    >
  >;
  private stopping = false;
  private running: Promise<void> | undefined;
  private seq = 0;
  private readonly counters = {
    linesRead: 0,
    recordsSent: 0,
    parseErrors: 0,
    sinkRetries: 0,
    truncations: 0,
    rotations: 0,
  };
  private readonly log: (line: string) => void;
  private readonly emf: EmfEmitter | undefined;
  private readonly metricsIntervalMillis: number;

  constructor(
    config: AgentConfig,
    deps: { sinkFor: (flow: FlowConfig) => AgentSink; log?: (line: string) => void },
  ) {
    validateConfig(config);
    this.store = new CheckpointStore(config.checkpointFile);
    this.log = deps.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.opts = {
      pollIntervalMillis: config.pollIntervalMillis ?? 250,
      progressIntervalMillis: config.progressIntervalMillis ?? 10_000,
      rotatedFileGraceMillis: config.rotatedFileGraceMillis ?? 2000,
      multiLineFlushMillis: config.multiLineFlushMillis ?? 2000,
      retryInitialBackoffMillis: config.retryInitialBackoffMillis ?? 200,
      retryMaxBackoffMillis: config.retryMaxBackoffMillis ?? 10_000,
      source: config.source ?? hostname(),
    };
    const metricsFile = config['cloudwatch.metricsFile'];
    this.emf = config['cloudwatch.emitMetrics']
      ? new EmfEmitter({
          namespace: config['cloudwatch.namespace'] ?? 'StreamlensAgent',
          host: this.opts.source,
          write: metricsFile
            ? (line) => appendFileSync(metricsFile, line)
            : (line) => process.stdout.write(line),
        })
      : undefined;
    this.metricsIntervalMillis = config['cloudwatch.metricsIntervalMillis'] ?? 60_000;
    config.flows.forEach((flow, i) => {
      this.flows.push({
        name: flow.name ?? flow.filePattern,
        config: flow,
        pattern: compileFilePattern(flow.filePattern),
        parser: createParser(flow.parser ?? { format: 'raw' }),
        process: createProcessor(
          flow.dataProcessingOptions,
          `agent config: flows[${i}].dataProcessingOptions`,
        ),
        multiStart: flow.multiLineStartPattern ? new RegExp(flow.multiLineStartPattern) : undefined,
        sink: deps.sinkFor(flow),
        tracked: new Map(),
        copies: new Map(),
        ignored: new Set(),
        scanned: false,
      });
    });
  }

  /** Loads checkpoints and polls until `stop()`. */
  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Finishes the batch in progress, commits, closes files and sinks. */
  async stop(): Promise<void> {
    const wasStopping = this.stopping;
    this.stopping = true;
    await this.running;
    // The last, partial interval is reported too.
    if (!wasStopping) this.emitMetrics();
    for (const flow of this.flows) {
      await flow.sink.close();
      for (const t of flow.tracked.values()) await t.fh.close().catch(() => undefined);
      for (const c of flow.copies.values()) await c.fh.close().catch(() => undefined);
      flow.tracked.clear();
      flow.copies.clear();
    }
  }

  stats(): AgentStats {
    let files = 0;
    let behind = 0;
    for (const f of this.flows) {
      files += f.tracked.size;
      for (const t of f.tracked.values()) behind += Math.max(0, t.size - t.offset);
    }
    return { files, bytesBehind: behind, ...this.counters };
  }

  /** Writes one EMF metrics line now, if `cloudwatch.emitMetrics` is on. */
  emitMetrics(): void {
    if (this.emf === undefined) return;
    const sinks: SinkMetrics[] = [];
    for (const flow of this.flows) {
      const m = flow.sink.metrics?.();
      if (m !== undefined) sinks.push(m);
    }
    this.emf.emit(this.stats(), sinks);
  }

  private async loop(): Promise<void> {
    await this.store.load();
    let nextProgress = performance.now() + this.opts.progressIntervalMillis;
    let nextMetrics = performance.now() + this.metricsIntervalMillis;
    while (!this.stopping) {
      await this.pollOnce();
      if (this.emf !== undefined && performance.now() >= nextMetrics) {
        this.emitMetrics();
        nextMetrics += this.metricsIntervalMillis;
      }
      if (this.opts.progressIntervalMillis > 0 && performance.now() >= nextProgress) {
        const s = this.stats();
        this.log(
          `agent files=${s.files} lines=${s.linesRead} sent=${s.recordsSent} parseErrors=${s.parseErrors} ` +
            `retries=${s.sinkRetries} rotations=${s.rotations} truncations=${s.truncations} behind=${s.bytesBehind}B`,
        );
        nextProgress += this.opts.progressIntervalMillis;
      }
      if (!this.stopping) await sleep(this.opts.pollIntervalMillis);
    }
  }

  /** One pass over every flow: discover, detect rotation/truncation, read and send (tests call it directly). */
  async pollOnce(): Promise<void> {
    if (!this.running) await this.store.load();
    for (const flow of this.flows) {
      await this.discover(flow);
      const files = [...flow.tracked.values()].sort((a, b) => a.seq - b.seq);
      for (const t of files) {
        if (this.stopping) return;
        await this.readFile(flow, t);
      }
    }
  }

  private async discover(flow: FlowState): Promise<void> {
    const now = performance.now();
    const first = !flow.scanned;
    flow.scanned = true;
    const seen = new Set<string>();
    const fresh: { path: string; dev: number; ino: number; size: number; mtimeMs: number }[] = [];
    for (const path of (await matchFiles(flow.pattern)).sort()) {
      let s: Awaited<ReturnType<typeof stat>>;
      try {
        s = await stat(path);
      } catch {
        continue;
      }
      if (!s.isFile()) continue;
      const key = `${s.dev}:${s.ino}`;
      seen.add(key);
      const t = flow.tracked.get(key);
      if (t !== undefined) {
        if (t.path !== path) {
          this.counters.rotations++;
          t.path = path;
        }
        t.goneSince = undefined;
      } else if (!flow.ignored.has(key) && !flow.copies.has(key)) {
        fresh.push({ path, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
      }
    }
    for (const key of flow.ignored) if (!seen.has(key)) flow.ignored.delete(key);
    // Oldest first: after a restart, a rotated file (older) is read before its successor.
    fresh.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
    for (const f of fresh) await this.track(flow, f, first);
    for (const t of [...flow.tracked.values()]) {
      if (!seen.has(t.key) && t.goneSince === undefined) t.goneSince = now;
      await this.checkTruncation(flow, t);
    }
    for (const [key, c] of flow.copies) {
      if (!seen.has(key) || !flow.tracked.has(c.ofKey)) {
        // The file it copies is gone, or the copy itself: nothing left to take from it.
        await c.fh.close().catch(() => undefined);
        flow.copies.delete(key);
        if (seen.has(key)) flow.ignored.add(key);
      }
    }
  }

  private async track(
    flow: FlowState,
    f: { path: string; dev: number; ino: number; size: number },
    firstScan: boolean,
  ): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(f.path, 'r');
    } catch {
      return;
    }
    const key = `${f.dev}:${f.ino}`;
    // A new inode starting with a tracked file's bytes is its copy (copy-truncate rotation):
    // kept aside, read only if that file is truncated.
    for (const t of flow.tracked.values()) {
      if (t.fpBytes > 0 && f.size >= t.fpBytes && (await fingerprint(fh, t.fpBytes)) === t.fp) {
        flow.copies.set(key, { fh, ofKey: t.key, path: f.path });
        return;
      }
    }
    const fpBytes = Math.min(FP_BYTES, f.size);
    const fp = await fingerprint(fh, fpBytes);
    let offset = 0;
    const cp = this.store.get(flow.name, f.dev, f.ino);
    if (
      cp !== undefined &&
      cp.fingerprintBytes <= f.size &&
      (await fingerprint(fh, cp.fingerprintBytes)) === cp.fingerprint
    ) {
      offset = cp.offset <= f.size ? cp.offset : 0;
    } else if (firstScan && flow.config.initialPosition === 'END_OF_FILE') {
      offset = f.size;
    }
    const t: Tracked = {
      key,
      dev: f.dev,
      ino: f.ino,
      path: f.path,
      fh,
      fp,
      fpBytes,
      fileId: `${f.dev}:${f.ino}:${fp.slice(0, 16)}`,
      offset,
      size: f.size,
      seq: this.seq++,
      goneSince: undefined,
      lastGrowth: performance.now(),
      linesSkipped: offset > 0 ? Number.POSITIVE_INFINITY : 0,
    };
    flow.tracked.set(key, t);
    if (offset !== cp?.offset) await this.commit(flow, t);
  }

  private async checkTruncation(flow: FlowState, t: Tracked): Promise<void> {
    const s = await t.fh.stat();
    if (s.size > t.size) t.lastGrowth = performance.now();
    t.size = s.size;
    let replaced = s.size < t.offset;
    if (!replaced && t.fpBytes > 0) replaced = (await fingerprint(t.fh, t.fpBytes)) !== t.fp;
    if (replaced) {
      this.counters.truncations++;
      // Lines written before the truncation that we had not read yet are in the copy, if any.
      for (const [key, c] of flow.copies) {
        if (c.ofKey !== t.key) continue;
        const copy: Tracked = { ...t, fh: c.fh, path: c.path, size: (await c.fh.stat()).size };
        await this.drainCopy(flow, copy);
        await c.fh.close().catch(() => undefined);
        flow.copies.delete(key);
        flow.ignored.add(key);
        t.offset = copy.offset;
      }
      if (t.offset > 0 && t.offset < s.size) {
        this.log(`agent: ${t.path} was replaced in place; restarting it from the beginning`);
      }
      t.offset = 0;
      t.linesSkipped = 0;
      t.fpBytes = Math.min(FP_BYTES, s.size);
      t.fp = await fingerprint(t.fh, t.fpBytes);
      t.fileId = `${t.dev}:${t.ino}:${t.fp.slice(0, 16)}`;
      await this.commit(flow, t);
    } else if (t.fpBytes < FP_BYTES && s.size > t.fpBytes) {
      // Small files get their full fingerprint once they have grown (the old one is a prefix of it).
      t.fpBytes = Math.min(FP_BYTES, s.size);
      t.fp = await fingerprint(t.fh, t.fpBytes);
    }
  }

  private async drainCopy(flow: FlowState, copy: Tracked): Promise<void> {
    while (copy.offset < copy.size) {
      const before = copy.offset;
      await this.readBatch(flow, copy, true, false);
      if (copy.offset === before) break;
    }
  }

  private async readFile(flow: FlowState, t: Tracked): Promise<void> {
    const s = await t.fh.stat();
    if (s.size > t.size) t.lastGrowth = performance.now();
    t.size = s.size;
    const idle = performance.now() - t.lastGrowth;
    const final = t.goneSince !== undefined && idle >= this.opts.rotatedFileGraceMillis;
    while (t.offset < t.size && !this.stopping) {
      const before = t.offset;
      await this.readBatch(flow, t, final, idle >= this.opts.multiLineFlushMillis);
      if (t.offset === before) break;
    }
    if (final && t.offset >= t.size) {
      // Renamed away or deleted, drained and idle: let it go (its checkpoint stays for a restart).
      await t.fh.close().catch(() => undefined);
      flow.tracked.delete(t.key);
    }
  }

  /** Reads up to one batch of complete records from `t.offset`, sends them, commits. */
  private async readBatch(
    flow: FlowState,
    t: Tracked,
    final: boolean,
    idle: boolean,
  ): Promise<void> {
    const max = flow.config.maxBufferSizeRecords ?? 500;
    const lines = await readLines(t.fh, t.offset, t.size, flow.multiStart ? max + 1 : max, final);
    let records = lines;
    if (flow.multiStart) records = groupMultiLine(lines, flow.multiStart, final || idle);
    if (records.length === 0) return;
    const maxBytes = flow.config.maxRecordSizeBytes ?? 1024 * 1024 - 1024;
    const terminator = flow.config.truncatedRecordTerminator ?? '\n';
    const puts: { data: string; partitionKey: string }[] = [];
    for (const r of records) {
      this.counters.linesRead++;
      if (t.linesSkipped < (flow.config.skipHeaderLines ?? 0)) {
        t.linesSkipped++;
        continue;
      }
      let text = r.text;
      if (Buffer.byteLength(text) > maxBytes) {
        text =
          Buffer.from(text)
            .subarray(0, maxBytes - Buffer.byteLength(terminator))
            .toString() + terminator;
      }
      if (flow.process !== undefined) {
        const processed = flow.process(text);
        if (!processed.ok) {
          this.counters.parseErrors++;
          continue;
        }
        text = processed.text;
      }
      const parsed = flow.parser(text, {
        fileId: t.fileId,
        offset: r.offset,
        source: this.opts.source,
      });
      if (parsed.ok === 'skip') continue;
      if (parsed.ok === false) {
        this.counters.parseErrors++;
        continue;
      }
      const option = flow.config.partitionKeyOption ?? 'PARSER';
      const partitionKey =
        option === 'RANDOM'
          ? Math.random().toString(36).slice(2)
          : option === 'FILE'
            ? t.fileId
            : (parsed.partitionKey ?? t.fileId);
      puts.push({ data: parsed.data, partitionKey });
    }
    if (!(await this.sendAll(flow, puts))) return;
    t.offset = (records[records.length - 1] as LineRecord).end;
    await this.commit(flow, t);
  }

  /**
   * Sends records until every one is acknowledged (the producer keeps their order per key).
   * Returns false when the agent is stopping with records still refused: nothing is committed.
   */
  private async sendAll(
    flow: FlowState,
    records: { data: string; partitionKey: string }[],
  ): Promise<boolean> {
    let pending = records;
    let attempt = 0;
    while (pending.length > 0) {
      if (attempt > 0 && this.stopping) return false;
      const results = await Promise.allSettled(pending.map((r) => flow.sink.put(r)));
      const failed = pending.filter((_, i) => results[i]?.status === 'rejected');
      this.counters.recordsSent += pending.length - failed.length;
      if (failed.length === 0) return true;
      attempt++;
      this.counters.sinkRetries += failed.length;
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      this.log(
        `agent: ${failed.length} records refused (${String((reason as Error)?.message ?? reason)}); retrying`,
      );
      await sleep(
        backoffMs(attempt, this.opts.retryInitialBackoffMillis, this.opts.retryMaxBackoffMillis),
      );
      pending = failed;
    }
    return true;
  }

  private async commit(flow: FlowState, t: Tracked): Promise<void> {
    this.store.set({
      flow: flow.name,
      path: t.path,
      dev: t.dev,
      ino: t.ino,
      fingerprint: t.fp,
      fingerprintBytes: t.fpBytes,
      offset: t.offset,
      updatedAt: new Date().toISOString(),
    });
    await this.store.save();
  }
}

/**
 * Complete lines from `offset` (at most `max`, up to `size`): a last line without its newline is
 * left for later, unless `final` (the file will not grow any more).
 */
export async function readLines(
  fh: FileHandle,
  offset: number,
  size: number,
  max: number,
  final: boolean,
): Promise<LineRecord[]> {
  const out: LineRecord[] = [];
  let pos = offset;
  let carry = Buffer.alloc(0);
  let carryStart = offset;
  while (out.length < max && pos < size) {
    const len = Math.min(CHUNK, size - pos);
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const data =
      carry.length > 0
        ? Buffer.concat([carry, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
    let start = 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl < 0 || out.length >= max) break;
      let end = nl;
      if (end > start && data[end - 1] === 13) end--;
      out.push({
        text: data.toString('utf8', start, end),
        offset: carryStart + start,
        end: carryStart + nl + 1,
      });
      start = nl + 1;
    }
    if (out.length >= max) return out;
    carry = Buffer.from(data.subarray(start));
    carryStart += start;
  }
  if (final && carry.length > 0 && out.length < max) {
    out.push({ text: carry.toString('utf8'), offset: carryStart, end: carryStart + carry.length });
  }
  return out;
}

/**
 * Groups lines into records that start with a line matching `start`; the last group is held
 * back (its continuation may still come) unless `flushLast`.
 */
export function groupMultiLine(
  lines: LineRecord[],
  start: RegExp,
  flushLast: boolean,
): LineRecord[] {
  const out: LineRecord[] = [];
  let cur: LineRecord | undefined;
  for (const l of lines) {
    if (cur === undefined || start.test(l.text)) {
      if (cur !== undefined) out.push(cur);
      cur = { ...l };
    } else {
      cur.text += `\n${l.text}`;
      cur.end = l.end;
    }
  }
  if (cur !== undefined && flushLast) out.push(cur);
  return out;
}

function validateConfig(config: AgentConfig): void {
  if (!config || typeof config !== 'object')
    throw new ProducerConfigError('agent config must be an object');
  if (typeof config.checkpointFile !== 'string' || !config.checkpointFile) {
    throw new ProducerConfigError('agent config: checkpointFile is required');
  }
  if (!Array.isArray(config.flows) || config.flows.length === 0) {
    throw new ProducerConfigError('agent config: flows must be a non-empty array');
  }
  config.flows.forEach((f, i) => {
    if (typeof f.filePattern !== 'string' || !f.filePattern) {
      throw new ProducerConfigError(`agent config: flows[${i}].filePattern is required`);
    }
    if ([f.kinesisStream, f.deliveryStream, f.kafkaTopic].filter(Boolean).length !== 1) {
      throw new ProducerConfigError(
        `agent config: flows[${i}] needs exactly one of kinesisStream, deliveryStream, kafkaTopic`,
      );
    }
    if (
      f.initialPosition !== undefined &&
      !['START_OF_FILE', 'END_OF_FILE'].includes(f.initialPosition)
    ) {
      throw new ProducerConfigError(
        `agent config: flows[${i}].initialPosition must be START_OF_FILE or END_OF_FILE`,
      );
    }
  });
}
