import type { OpenSearchClient } from './client.js';

/** Name of the index template (and of the ISM policy) for a prefix. */
export function templateName(prefix: string): string {
  return `${prefix}-template`;
}

/**
 * The index template of the daily event indices (`<prefix>-*`): explicit mappings for the fields
 * streamlens searches and filters on, `data` as an object whose free-form maps (dimensions,
 * attributes) are `flat_object` (one field each, whatever their keys: no mapping explosion), and
 * field-count and depth limits so that an unexpected payload is rejected per document (and
 * dead-lettered with the reason) instead of growing the mapping without bound. Every daily index
 * gets the alias `<prefix>` (search it, or the pattern `<prefix>-*`).
 */
export function indexTemplate(prefix: string, opts: { shards?: number; replicas?: number } = {}) {
  return {
    index_patterns: [`${prefix}-*`],
    priority: 100,
    template: {
      settings: {
        'index.number_of_shards': opts.shards ?? 1,
        'index.number_of_replicas': opts.replicas ?? 1,
        // Near-real-time is enough for search; a longer refresh makes bulk indexing cheaper.
        'index.refresh_interval': '5s',
        'index.mapping.total_fields.limit': 200,
        'index.mapping.depth.limit': 5,
      },
      aliases: { [prefix]: {} },
      mappings: {
        // Unknown top-level fields are an error (the document shape is ours); inside `data`,
        // new fields are mapped dynamically within the limits above.
        dynamic: 'strict',
        properties: {
          id: { type: 'keyword' },
          type: { type: 'keyword' },
          source: { type: 'keyword' },
          subject: { type: 'keyword' },
          time: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
          message: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
          level: { type: 'keyword' },
          service: { type: 'keyword' },
          traceId: { type: 'keyword' },
          metric: { type: 'keyword' },
          data: {
            type: 'object',
            dynamic: 'true',
            properties: {
              metric: { type: 'keyword' },
              value: { type: 'double' },
              unit: { type: 'keyword' },
              dimensions: { type: 'flat_object' },
              level: { type: 'keyword' },
              message: { type: 'text' },
              service: { type: 'keyword' },
              traceId: { type: 'keyword' },
              attributes: { type: 'flat_object' },
            },
          },
        },
      },
    },
  } as const;
}

/**
 * The retention policy (ISM): hot while being written, read-only after a day, deleted after
 * `retentionDays`. Its `ism_template` attaches it to every new `<prefix>-*` index.
 */
export function retentionPolicy(prefix: string, retentionDays: number) {
  return {
    policy: {
      description: `streamlens ${prefix}-* daily indices: delete after ${retentionDays} days`,
      default_state: 'hot',
      states: [
        {
          name: 'hot',
          actions: [],
          transitions: [{ state_name: 'warm', conditions: { min_index_age: '1d' } }],
        },
        {
          name: 'warm',
          actions: [{ read_only: {} }],
          transitions: [
            { state_name: 'delete', conditions: { min_index_age: `${retentionDays}d` } },
          ],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${prefix}-*`], priority: 100 }],
    },
  };
}

/** Puts the index template (idempotent). The handler calls it once per container. */
export async function ensureIndexTemplate(client: OpenSearchClient, prefix: string): Promise<void> {
  await client.putIndexTemplate(templateName(prefix), indexTemplate(prefix));
}

/** Puts the ISM retention policy (scripts/setup.ts; needs the ISM plugin, as on Amazon OpenSearch). */
export async function ensureRetentionPolicy(
  client: OpenSearchClient,
  prefix: string,
  retentionDays: number,
): Promise<void> {
  const path = `/_plugins/_ism/policies/${encodeURIComponent(templateName(prefix))}`;
  const body = retentionPolicy(prefix, retentionDays);
  try {
    await client.request({ method: 'PUT', path, body });
  } catch (error) {
    // ISM refuses to overwrite a policy without its sequence number: read it, then update.
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    const current = await client.request<{ _seq_no: number; _primary_term: number }>({
      method: 'GET',
      path,
    });
    const { _seq_no, _primary_term } = current.body;
    await client.request({
      method: 'PUT',
      path,
      querystring: { if_seq_no: _seq_no, if_primary_term: _primary_term },
      body,
    });
  }
}
