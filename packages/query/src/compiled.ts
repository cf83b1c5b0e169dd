import type { Query, QueryFile } from './model.js';

/** Marks a compiled query file (what `compileQueryFile` writes). */
export const COMPILED_FORMAT = 'streamlens-query-file-compiled';

/**
 * A validated query file as the JSON the stream-aggregator loads: the query model itself
 * (durations in milliseconds, fields resolved), so the function needs neither the YAML parser nor
 * the JSON Schema validator (they would more than double its bundle). `source` names the file it
 * came from.
 */
export function compiledQueryFileText(file: QueryFile, source: string): string {
  return `${JSON.stringify({ format: COMPILED_FORMAT, source, version: file.version, queries: file.queries }, null, 1)}\n`;
}

/** A compiled query file's text is not one (a YAML file, another JSON, a damaged file). */
export class CompiledQueryFileInvalid extends Error {
  constructor(source: string, why: string) {
    super(
      `${source}: not a compiled query file (${why}); compile the YAML with \`pnpm queries compile\``,
    );
    this.name = 'CompiledQueryFileInvalid';
  }
}

/**
 * Reads a compiled query file. The YAML it came from was validated when it was compiled; this
 * checks that the text is such a file and that each query has the parts the runner reads.
 */
export function parseCompiledQueryFile(text: string, source = 'queries.json'): QueryFile {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new CompiledQueryFileInvalid(source, (error as Error).message);
  }
  const b = body as { format?: unknown; version?: unknown; queries?: unknown };
  if (b === null || typeof b !== 'object' || b.format !== COMPILED_FORMAT) {
    throw new CompiledQueryFileInvalid(source, `no "format": "${COMPILED_FORMAT}"`);
  }
  if (b.version !== 1 || !Array.isArray(b.queries)) {
    throw new CompiledQueryFileInvalid(source, 'version 1 with a queries list expected');
  }
  b.queries.forEach((q: Partial<Query>, i) => {
    const ok =
      typeof q?.name === 'string' &&
      typeof q.source === 'object' &&
      Array.isArray(q.source?.where) &&
      Array.isArray(q.groupBy) &&
      typeof q.window?.kind === 'string' &&
      Array.isArray(q.aggregates) &&
      Array.isArray(q.having);
    if (!ok) throw new CompiledQueryFileInvalid(source, `query ${i} is incomplete`);
  });
  return { version: 1, queries: b.queries as Query[] };
}
