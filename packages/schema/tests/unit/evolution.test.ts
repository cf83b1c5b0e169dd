import { describe, expect, it } from '@jest/globals';
import { ChangeKind, classifySchemaChange, type JsonSchema } from '../../src/index.js';

const base = {
  type: 'object',
  properties: {
    metric: { type: 'string', minLength: 1 },
    value: { type: 'number' },
    level: { type: 'string', enum: ['INFO', 'WARN'] },
    unit: { type: 'string' },
  },
  required: ['metric', 'value', 'level'],
} as const;

function withProps(props: Record<string, unknown>, required: readonly string[] = base.required) {
  return { ...base, properties: { ...base.properties, ...props }, required: [...required] };
}

function without(key: keyof typeof base.properties): JsonSchema {
  const { [key]: _gone, ...properties } = base.properties;
  return { ...base, properties, required: base.required.filter((r) => r !== key) };
}

function kinds(before: JsonSchema, after: JsonSchema): string[] {
  return classifySchemaChange(before, after).changes.map((c) => c.kind);
}

describe('classifySchemaChange', () => {
  it('finds no change between equal schemas', () => {
    // Act
    const report = classifySchemaChange(base, structuredClone(base) as JsonSchema);
    // Assess
    expect(report).toEqual({ compatibility: 'identical', changes: [] });
  });

  it('treats an added optional field as compatible', () => {
    // Act
    const report = classifySchemaChange(base, withProps({ host: { type: 'string' } }));
    // Assess
    expect(report.compatibility).toBe('compatible');
    expect(report.changes).toEqual([
      expect.objectContaining({ kind: ChangeKind.FIELD_ADDED_OPTIONAL, path: '$.host' }),
    ]);
  });

  it('treats an added required field as breaking', () => {
    // Act
    const report = classifySchemaChange(
      base,
      withProps({ host: { type: 'string' } }, [...base.required, 'host']),
    );
    // Assess
    expect(report.compatibility).toBe('breaking');
    expect(
      kinds(base, withProps({ host: { type: 'string' } }, [...base.required, 'host'])),
    ).toEqual([ChangeKind.FIELD_ADDED_REQUIRED]);
  });

  it('treats a removed field as breaking', () => {
    // Act / Assess
    expect(classifySchemaChange(base, without('unit')).compatibility).toBe('breaking');
    expect(kinds(base, without('unit'))).toEqual([ChangeKind.FIELD_REMOVED]);
  });

  it('treats a renamed field as breaking (a removal plus an addition)', () => {
    // Prepare
    const { unit, ...rest } = base.properties;
    const renamed = { ...base, properties: { ...rest, units: unit } };
    // Act / Assess
    expect(classifySchemaChange(base, renamed).compatibility).toBe('breaking');
    expect(kinds(base, renamed).sort()).toEqual(
      [ChangeKind.FIELD_ADDED_OPTIONAL, ChangeKind.FIELD_REMOVED].sort(),
    );
  });

  it('treats a retyped field as breaking', () => {
    // Act
    const report = classifySchemaChange(base, withProps({ value: { type: 'string' } }));
    // Assess
    expect(report.compatibility).toBe('breaking');
    expect(report.changes[0]).toMatchObject({ kind: ChangeKind.TYPE_CHANGED, path: '$.value' });
  });

  it('treats optional → required as breaking', () => {
    // Act / Assess
    expect(kinds(base, withProps({}, [...base.required, 'unit']))).toEqual([
      ChangeKind.FIELD_MADE_REQUIRED,
    ]);
    expect(
      classifySchemaChange(base, withProps({}, [...base.required, 'unit'])).compatibility,
    ).toBe('breaking');
  });

  it('treats a narrowed enum as breaking and a widened one as compatible', () => {
    // Prepare
    const narrowed = withProps({ level: { type: 'string', enum: ['INFO'] } });
    const widened = withProps({ level: { type: 'string', enum: ['INFO', 'WARN', 'ERROR'] } });
    // Act / Assess
    expect(classifySchemaChange(base, narrowed).compatibility).toBe('breaking');
    expect(classifySchemaChange(base, widened).compatibility).toBe('compatible');
  });

  it('treats a tightened constraint as breaking and a loosened one as compatible', () => {
    // Prepare
    const tighter = withProps({ metric: { type: 'string', minLength: 3 } });
    const looser = withProps({ metric: { type: 'string' } });
    // Act / Assess
    expect(classifySchemaChange(base, tighter).compatibility).toBe('breaking');
    expect(classifySchemaChange(base, looser).compatibility).toBe('compatible');
  });

  it('finds changes inside nested objects and maps', () => {
    // Prepare
    const before = { type: 'object', properties: { data: base } };
    const after = { type: 'object', properties: { data: without('unit') } };
    const mapBefore = { type: 'object', additionalProperties: { type: 'string' } };
    const mapAfter = { type: 'object', additionalProperties: { type: 'number' } };
    // Act
    const nested = classifySchemaChange(before, after);
    const map = classifySchemaChange(mapBefore, mapAfter);
    // Assess
    expect(nested.changes[0]?.path).toBe('$.data.unit');
    expect(map.compatibility).toBe('breaking');
  });

  it('treats closing an object to extra fields as breaking', () => {
    // Act
    const report = classifySchemaChange(base, { ...base, additionalProperties: false });
    // Assess
    expect(report.changes.map((c) => c.kind)).toEqual([ChangeKind.EXTRA_FIELDS_FORBIDDEN]);
  });

  it('ignores annotations for compatibility', () => {
    // Act
    const report = classifySchemaChange(base, { ...base, description: 'readings' });
    // Assess
    expect(report.compatibility).toBe('compatible');
  });
});
