/** Why a record went to the error prefix (`!{firehose:error-output-type}`). */
export type ErrorOutputType = 'processing-failed' | 'partitioning-failed';

/** Render Firehose's Java-style date pattern (yyyy, MM, dd, HH, mm, ss) in UTC. */
export function formatTimestamp(pattern: string, ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (token) => parts[token] ?? token);
}

/** Keys named by `!{partitionKeyFromLambda:KEY}` in a prefix. */
export function lambdaPartitionKeys(prefix: string): string[] {
  return [...prefix.matchAll(/!\{partitionKeyFromLambda:([^}]+)\}/g)].map((m) => m[1] as string);
}

/**
 * Render a Firehose S3 prefix: `!{partitionKeyFromLambda:k}`, `!{timestamp:pattern}` and
 * `!{firehose:error-output-type}`. Returns undefined when a partition key is missing (Firehose
 * then sends the record to the error prefix as `partitioning-failed`).
 */
export function renderPrefix(
  prefix: string,
  facts: {
    partitionKeys?: Readonly<Record<string, string>>;
    timestampMs: number;
    errorOutputType?: ErrorOutputType;
  },
): string | undefined {
  let missing = false;
  const rendered = prefix.replace(/!\{([a-zA-Z]+):([^}]*)\}/g, (_m, ns: string, arg: string) => {
    if (ns === 'partitionKeyFromLambda') {
      const value = facts.partitionKeys?.[arg];
      if (value === undefined || value === '') missing = true;
      return value ?? '';
    }
    if (ns === 'timestamp') return formatTimestamp(arg, facts.timestampMs);
    if (ns === 'firehose' && arg === 'error-output-type') return facts.errorOutputType ?? '';
    if (ns === 'firehose' && arg === 'random-string')
      return Math.random().toString(36).slice(2, 13);
    return '';
  });
  return missing ? undefined : rendered;
}

/**
 * Firehose's object name after the prefix: `<stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>`
 * (plus `.gz` when GZIP-compressed).
 */
export function objectName(streamName: string, ms: number, uuid: string, gzip: boolean): string {
  return `${streamName}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', ms)}-${uuid}${gzip ? '.gz' : ''}`;
}
