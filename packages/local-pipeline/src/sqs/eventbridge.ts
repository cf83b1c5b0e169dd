import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT_ID } from '../config/functions.js';

/** An EventBridge event (the envelope every event has). */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** The `Object Created` event S3 sends to EventBridge (bucket with EventBridge notifications on). */
export function objectCreatedEvent(
  bucket: string,
  object: { key: string; size: number; etag: string; sequencer?: string },
  region: string,
  at: Date = new Date(),
  reason = 'PutObject',
): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ACCOUNT_ID,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      // EventBridge carries the key as written (not URL-encoded, unlike S3 notifications) and the
      // ETag without quotes.
      object: {
        key: object.key,
        size: object.size,
        etag: object.etag.replace(/^"|"$/g, ''),
        sequencer: object.sequencer ?? '0',
      },
      'request-id': randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
      requester: ACCOUNT_ID,
      'source-ip-address': '127.0.0.1',
      reason,
    },
  };
}

/**
 * EventBridge event-pattern matching (the subset rules use): a pattern key's array lists allowed
 * values (literals, `{prefix}`, `{suffix}`, `{exists}`, `{anything-but}`), a nested object matches
 * the nested field; every key must match.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  const target = (event ?? {}) as Record<string, unknown>;
  for (const [key, rule] of Object.entries(pattern as Record<string, unknown>)) {
    const value = target[key];
    if (Array.isArray(rule)) {
      if (!rule.some((r) => matchesValue(r, value))) return false;
    } else if (rule !== null && typeof rule === 'object') {
      if (value === null || typeof value !== 'object' || !matchesPattern(rule, value)) return false;
    } else return false;
  }
  return true;
}

function matchesValue(rule: unknown, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => matchesValue(rule, v));
  if (rule === null || typeof rule !== 'object') return rule === value;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
  if ('exists' in r) return (value !== undefined) === (r.exists === true);
  if ('anything-but' in r) {
    const but = r['anything-but'];
    return Array.isArray(but) ? !but.includes(value) : but !== value;
  }
  return false;
}

/** An `AWS::Events::Rule` on the default bus: its pattern and target ARNs. */
export interface EventRule {
  readonly name: string;
  readonly pattern: unknown;
  readonly targetArns: readonly string[];
}

/** The default event bus: delivers each event to the targets of every matching rule. */
export class LocalEventBus {
  readonly stats = { events: 0, matched: 0, delivered: 0 };

  constructor(
    private readonly rules: readonly EventRule[],
    private readonly deliver: (targetArn: string, event: EventBridgeEvent) => boolean,
  ) {}

  /** PutEvents of one event. */
  put(event: EventBridgeEvent): void {
    this.stats.events++;
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      this.stats.matched++;
      for (const arn of rule.targetArns) if (this.deliver(arn, event)) this.stats.delivered++;
    }
  }
}

/**
 * Where the S3 stand-in's own notifications come from (`LocalAws.events('s3')`): S3 event
 * records (`{ Records: [{ eventName, s3: { bucket, object } }] }`) as objects are written.
 */
export interface ObjectEventSource {
  subscribe(listener: (event: unknown) => void): () => void;
  /** Resolves once every event emitted before the call has reached the listeners. */
  flush(): Promise<void>;
}

interface S3EventRecordLike {
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string } };
}

/** EventBridge's `detail.reason` per S3 event name (s3rver's Post is a multipart completion or a form POST). */
const REASONS: Readonly<Record<string, string>> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Post': 'CompleteMultipartUpload',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
};

/**
 * S3 → EventBridge for one bucket: an `Object Created` event for every object written, whoever
 * wrote it (the Firehose emulator, a function). With an `ObjectEventSource` (the S3 stand-in's
 * own event for each write, what `pnpm start` uses) exactly one event per write and no listing;
 * without one it lists the bucket every `intervalMs` and sends an event for every (key, ETag)
 * not seen before (its cost grows with the bucket, and a rewrite with the same content is missed).
 */
export class BucketNotifier {
  private readonly seen = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private sequencer = 0;
  private unsubscribe: (() => void) | undefined;
  /** Events of the source, delivered in order (a copy's ETag needs a HeadObject first). */
  private chain: Promise<void> = Promise.resolve();
  readonly stats = { objects: 0, listings: 0 };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly bus: LocalEventBus,
    private readonly region: string,
    private readonly intervalMs = 500,
    private readonly source?: ObjectEventSource,
  ) {}

  /** True when notifications come from the stand-in's events rather than from listing. */
  get eventDriven(): boolean {
    return this.source !== undefined;
  }

  start(): void {
    if (this.source) {
      this.unsubscribe ??= this.source.subscribe((event) => this.onS3Event(event));
      return;
    }
    this.loop ??= (async () => {
      while (!this.stopped) {
        await this.scan().catch(() => undefined);
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
  }

  private onS3Event(event: unknown): void {
    const records = (event as { Records?: S3EventRecordLike[] } | null)?.Records ?? [];
    for (const record of records) {
      const reason = REASONS[record.eventName ?? ''];
      const object = record.s3?.object;
      if (!reason || record.s3?.bucket?.name !== this.bucket || !object?.key) continue;
      const key = object.key;
      const at = record.eventTime ? new Date(record.eventTime) : new Date();
      this.chain = this.chain.then(async () => {
        let { eTag, size } = object;
        if (eTag === undefined || size === undefined) {
          // s3rver leaves the ETag out of a copy's event: ask for it, as S3's event carries it.
          const head = await this.s3
            .send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
            .catch(() => undefined);
          eTag ??= head?.ETag ?? '';
          size ??= head?.ContentLength ?? 0;
        }
        this.emit(key, size, eTag, at, reason);
      });
    }
  }

  private emit(key: string, size: number, etag: string, at: Date, reason: string): void {
    this.stats.objects++;
    this.bus.put(
      objectCreatedEvent(
        this.bucket,
        {
          key,
          size,
          etag,
          sequencer: (++this.sequencer).toString(16).toUpperCase().padStart(16, '0'),
        },
        this.region,
        at,
        reason,
      ),
    );
  }

  /**
   * Notify every object written so far: with an event source, once every event emitted before
   * the call is delivered; otherwise one more listing.
   */
  async flush(): Promise<void> {
    if (this.source) {
      await this.source.flush();
      await this.chain;
      return;
    }
    await this.scan();
  }

  /** One listing: events for the new objects. */
  async scan(): Promise<number> {
    let token: string | undefined;
    let fresh = 0;
    do {
      this.stats.listings++;
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        const id = `${o.Key}|${o.ETag ?? ''}`;
        if (this.seen.has(id)) continue;
        this.seen.add(id);
        fresh++;
        this.emit(o.Key, o.Size ?? 0, o.ETag ?? '', new Date(), 'PutObject');
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return fresh;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loop;
    await this.chain;
  }
}
