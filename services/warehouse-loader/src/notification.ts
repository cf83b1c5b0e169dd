import { NotificationError } from './errors.js';

/** One lake object named by a notification. */
export interface LakeObject {
  readonly bucket: string;
  readonly key: string;
  /** ETag without quotes; with the key, identifies the version of the object that was loaded. */
  readonly etag: string;
  readonly size?: number;
}

/** Which warehouse table a lake key belongs to (or none: errors/, late-data/, ...). */
export type LoadTarget = 'events' | 'windows';

/** `events/type=<type>/...` → events; `aggregates/...` (stream-aggregator archive) → windows. */
export function targetOf(
  key: string,
  prefixes: LakePrefixes = DEFAULT_PREFIXES,
): LoadTarget | undefined {
  if (
    key.startsWith(prefixes.events) &&
    /(^|\/)type=[^/]+\//.test(key.slice(prefixes.events.length - 1))
  ) {
    return 'events';
  }
  if (key.startsWith(prefixes.windows)) return 'windows';
  return undefined;
}

/** Lake prefixes of each target. */
export const DEFAULT_PREFIXES = { events: 'events/', windows: 'aggregates/' } as const;
export type LakePrefixes = { readonly events: string; readonly windows: string };

// S3 notifications URL-encode keys with '+' for spaces (EventBridge events do not).
function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

function stripQuotes(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/**
 * The objects an SQS message body names: an S3 event notification (`Records[].s3`), an S3 test
 * event (no objects), or an EventBridge "Object Created" event. Only ObjectCreated events count.
 * @throws NotificationError when the body is neither.
 */
export function parseNotification(body: string): LakeObject[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new NotificationError(`message body is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object') {
    throw new NotificationError('message body is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  if (v.Event === 's3:TestEvent') return [];
  if (Array.isArray(v.Records)) {
    return v.Records.flatMap((record: unknown, i: number) => {
      const r = record as {
        eventName?: unknown;
        s3?: {
          bucket?: { name?: unknown };
          object?: { key?: unknown; eTag?: unknown; size?: unknown };
        };
      };
      if (typeof r?.eventName !== 'string' || !r.eventName.startsWith('ObjectCreated:')) return [];
      const bucket = r.s3?.bucket?.name;
      const key = r.s3?.object?.key;
      const etag = r.s3?.object?.eTag;
      if (typeof bucket !== 'string' || typeof key !== 'string' || typeof etag !== 'string') {
        throw new NotificationError(`Records[${i}] lacks s3.bucket.name, s3.object.key or eTag`);
      }
      const size = r.s3?.object?.size;
      return [
        {
          bucket,
          key: decodeS3Key(key),
          etag: stripQuotes(etag),
          ...(typeof size === 'number' ? { size } : {}),
        },
      ];
    });
  }
  if (v['detail-type'] === 'Object Created' && v.detail && typeof v.detail === 'object') {
    const d = v.detail as {
      bucket?: { name?: unknown };
      object?: { key?: unknown; etag?: unknown; size?: unknown };
    };
    const bucket = d.bucket?.name;
    const key = d.object?.key;
    const etag = d.object?.etag;
    if (typeof bucket !== 'string' || typeof key !== 'string' || typeof etag !== 'string') {
      throw new NotificationError(
        'EventBridge detail lacks bucket.name, object.key or object.etag',
      );
    }
    const size = d.object?.size;
    return [
      { bucket, key, etag: stripQuotes(etag), ...(typeof size === 'number' ? { size } : {}) },
    ];
  }
  throw new NotificationError(
    'message body is neither an S3 notification nor an EventBridge S3 event',
  );
}
