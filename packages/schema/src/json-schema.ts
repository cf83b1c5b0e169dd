import * as z from 'zod';
import type { EventType } from './events.js';
import { EVENT_TYPES } from './schemas.js';

/** File name of a type's generated JSON Schema: `<type>.v<N>.schema.json`. */
export function jsonSchemaFileName(type: string, version: number): string {
  return `${type}.v${version}.schema.json`;
}

/**
 * The JSON Schema of a registered type, generated from its zod schema. `io: 'input'` describes
 * what the validators accept (unknown `data` fields are tolerated, so no `additionalProperties: false`).
 */
export function jsonSchemaOf(type: EventType): Record<string, unknown> {
  const entry = EVENT_TYPES[type];
  const generated = z.toJSONSchema(entry.envelope, {
    io: 'input',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `https://streamlens.dev/schemas/${jsonSchemaFileName(type, entry.version)}`,
    title: `${type} v${entry.version}`,
    'x-streamlens-version': entry.version,
    ...rest,
  };
}
