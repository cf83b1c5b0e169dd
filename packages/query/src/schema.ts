import { DURATION_PATTERN } from './duration.js';

const field = {
  type: 'string',
  pattern: '^(value|metric|type|series|dimensions\\.[A-Za-z0-9_.:-]{1,128})$',
  description: 'value, metric, type, series, or dimensions.<name>',
};
const duration = { type: 'string', pattern: DURATION_PATTERN, description: 'e.g. 60s, 5m, 1h' };
const compareOp = { enum: ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] };
const scalar = { type: ['string', 'number'] };
// Not a key JavaScript objects give a meaning to: outputs become keys of the window's event,
// which the event schema refuses as reserved (packages/schema, limits).
const outputName = {
  type: 'string',
  pattern: '^(?!(__proto__|constructor|prototype)$)[A-Za-z_][A-Za-z0-9_]{0,63}$',
};

/** JSON Schema (draft-07) of a query file; docs/queries.md describes each field. */
export const QUERY_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://streamlens.dev/schemas/query-file.v1.json',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'queries'],
  properties: {
    version: { const: 1 },
    queries: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'window', 'aggregates'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' },
          source: {
            type: 'object',
            additionalProperties: false,
            properties: {
              type: {
                type: 'array',
                minItems: 1,
                uniqueItems: true,
                items: { enum: ['telemetry', 'log'] },
              },
              metric: { type: 'string', minLength: 1, maxLength: 256 },
              where: {
                type: 'array',
                maxItems: 32,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['field', 'op'],
                  properties: {
                    field,
                    op: { enum: ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'matches'] },
                    value: {
                      oneOf: [scalar, { type: 'array', minItems: 1, maxItems: 256, items: scalar }],
                    },
                  },
                },
              },
            },
          },
          groupBy: { type: 'array', maxItems: 16, uniqueItems: true, items: field },
          window: {
            type: 'object',
            required: ['kind'],
            oneOf: [
              {
                additionalProperties: false,
                properties: { kind: { const: 'tumbling' }, size: duration },
                required: ['size'],
              },
              {
                additionalProperties: false,
                properties: { kind: { const: 'sliding' }, size: duration, slide: duration },
                required: ['size', 'slide'],
              },
              {
                additionalProperties: false,
                properties: { kind: { const: 'stagger' }, size: duration },
                required: ['size'],
              },
              {
                additionalProperties: false,
                properties: { kind: { const: 'session' }, gap: duration },
                required: ['gap'],
              },
            ],
          },
          aggregates: {
            type: 'array',
            minItems: 1,
            maxItems: 32,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['fn'],
              properties: {
                fn: { enum: ['count', 'sum', 'min', 'max', 'avg', 'quantile', 'distinct', 'topk'] },
                q: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
                field,
                k: { type: 'integer', minimum: 1, maximum: 100 },
                as: outputName,
              },
            },
          },
          having: {
            type: 'array',
            maxItems: 16,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['aggregate', 'op', 'value'],
              properties: { aggregate: outputName, op: compareOp, value: { type: 'number' } },
            },
          },
        },
      },
    },
  },
} as const;
