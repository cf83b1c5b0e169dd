// The only place Redshift-only SQL is handled. Everything PostgreSQL 15 can run is passed through
// untouched; what it cannot (COPY from S3, DISTKEY/SORTKEY/DISTSTYLE/ENCODE, SUPER, GETDATE) is
// rewritten here or, for COPY, turned into a plan the executor runs against the S3 stand-in.

/** A COPY ... FROM 's3://...' statement, parsed. */
export interface CopyPlan {
  readonly kind: 'copy';
  readonly table: string;
  readonly columns?: readonly string[];
  readonly bucket: string;
  readonly key: string;
  readonly gzip: boolean;
  /**
   * Only `FORMAT AS JSON 'auto'` (keys match column names exactly, as on Redshift) and
   * `'auto ignorecase'` (keys match whatever their case) are supported.
   */
  readonly format: 'json-auto' | 'json-auto-ignorecase';
}

/** A statement PostgreSQL runs, after translation. */
export interface SqlPlan {
  readonly kind: 'sql';
  readonly sql: string;
  /** Parameter names in $n order (Redshift Data API parameters are named, `:name`). */
  readonly parameterNames: readonly string[];
}

export type StatementPlan = CopyPlan | SqlPlan;

/** A Redshift statement the stand-in cannot translate (a readable message, like Redshift's). */
export class TranslationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranslationError';
  }
}

/**
 * Walk `sql` outside string literals, quoted identifiers, comments and dollar quotes, calling
 * `onCode` for each stretch of code; literal stretches are kept as they are.
 */
function mapCode(sql: string, onCode: (code: string) => string): string {
  let out = '';
  let code = '';
  let i = 0;
  const flush = () => {
    out += onCode(code);
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    let end = -1;
    if (c === "'" || c === '"') {
      end = i + 1;
      for (;;) {
        const j = sql.indexOf(c, end);
        if (j < 0) {
          end = sql.length;
          break;
        }
        if (sql[j + 1] === c) end = j + 2;
        else {
          end = j + 1;
          break;
        }
      }
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      end = j < 0 ? sql.length : j;
    } else if (c === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      end = j < 0 ? sql.length : j + 2;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const j = sql.indexOf(tag[0], i + tag[0].length);
        end = j < 0 ? sql.length : j + tag[0].length;
      }
    }
    if (end > i) {
      flush();
      out += sql.slice(i, end);
      i = end;
    } else {
      code += c;
      i += 1;
    }
  }
  flush();
  return out;
}

/** Remove Redshift physical-design clauses PostgreSQL does not know. */
export function stripPhysicalDesign(sql: string): string {
  return mapCode(sql, (code) =>
    code
      .replace(/\b(?:compound\s+|interleaved\s+)?sortkey\s*\([^)]*\)/gi, '')
      .replace(/\bsortkey\s+auto\b/gi, '')
      .replace(/\bdistkey\s*\([^)]*\)/gi, '')
      .replace(/\bdiststyle\s+(?:auto|even|key|all)\b/gi, '')
      .replace(
        /\bencode\s+(?:raw|az64|bytedict|delta32k|delta|lzo|mostly8|mostly16|mostly32|runlength|text255|text32k|zstd|auto)\b/gi,
        '',
      )
      // Column-level DISTKEY / SORTKEY (after the type): a bare keyword.
      .replace(/\b(?:distkey|sortkey)\b(?!\s*\()/gi, '')
      .replace(/\bbackup\s+(?:yes|no)\b/gi, ''),
  );
}

/** SUPER → jsonb; GETDATE() / SYSDATE → now(). */
export function translateTypesAndFunctions(sql: string): string {
  return mapCode(sql, (code) =>
    code
      .replace(/\bsuper\b/gi, 'jsonb')
      .replace(/\bgetdate\s*\(\s*\)/gi, 'now()')
      .replace(/\bsysdate\b/gi, 'now()'),
  );
}

/** `:name` parameters → `$n` (`::casts` untouched); returns the names in $n order. */
export function bindNamedParameters(sql: string): { sql: string; parameterNames: string[] } {
  const names: string[] = [];
  const out = mapCode(sql, (code) =>
    code.replace(/(^|[^:]):([A-Za-z_][A-Za-z0-9_]*)/g, (_all, before: string, name: string) => {
      let index = names.indexOf(name);
      if (index < 0) {
        names.push(name);
        index = names.length - 1;
      }
      return `${before}$${index + 1}`;
    }),
  );
  return { sql: out, parameterNames: names };
}

/** Comments and white space before a statement's first word. */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * Redshift's answer to a COPY that does not load from Amazon S3: the stand-in runs only S3 loads
 * (Redshift also loads from DynamoDB, EMR and SSH hosts, which have no local counterpart), and
 * never PostgreSQL's COPY to or from server files or programs, which Redshift does not have.
 */
export const NON_S3_COPY_ERROR =
  'LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)';

const COPY_RE =
  /^\s*copy\s+((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?)\s*(\(([^)]*)\))?\s+from\s+'([^']*)'([\s\S]*?);?\s*$/i;

/** Parse a Redshift `COPY t [(cols)] FROM 's3://b/k' IAM_ROLE '...' FORMAT AS JSON 'auto' [GZIP]`. */
export function parseCopy(sql: string): CopyPlan | undefined {
  const match = COPY_RE.exec(sql);
  if (!match) return undefined;
  const [, table, , columnList, source, rest] = match as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
    string,
    string,
  ];
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  if (!s3) {
    if (/^s3:/i.test(source)) {
      throw new TranslationError(`COPY source must be s3://bucket/key, got '${source}'`);
    }
    throw new TranslationError(NON_S3_COPY_ERROR);
  }
  if (!/\b(iam_role|credentials|access_key_id)\b/i.test(rest)) {
    throw new TranslationError('COPY needs authorization: IAM_ROLE or CREDENTIALS');
  }
  const format =
    /\bformat\s+(?:as\s+)?json\s+'([^']*)'/i.exec(rest) ?? /\bjson\s+'([^']*)'/i.exec(rest);
  if (!format || !/^auto( ignorecase)?$/i.test(format[1] as string)) {
    throw new TranslationError("only COPY ... FORMAT AS JSON 'auto' is supported by the stand-in");
  }
  const ignoreCase = /^auto ignorecase$/i.test(format[1] as string);
  const columns = columnList
    ?.split(',')
    .map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase())
    .filter(Boolean);
  return {
    kind: 'copy',
    table,
    ...(columns && columns.length > 0 ? { columns } : {}),
    bucket: s3[1] as string,
    key: s3[2] as string,
    gzip: /\bgzip\b/i.test(rest),
    format: ignoreCase ? 'json-auto-ignorecase' : 'json-auto',
  };
}

/** Translate one Redshift statement into what the stand-in executes. */
export function planStatement(sql: string): StatementPlan {
  const copy = parseCopy(sql);
  if (copy) return copy;
  if (/^copy\b/i.test(sql.replace(LEADING_NOISE, ''))) {
    if (/\bs3:\/\//i.test(sql)) {
      throw new TranslationError(`cannot parse COPY statement: ${sql.slice(0, 200)}`);
    }
    throw new TranslationError(NON_S3_COPY_ERROR);
  }
  const { sql: bound, parameterNames } = bindNamedParameters(
    translateTypesAndFunctions(stripPhysicalDesign(sql)),
  );
  return { kind: 'sql', sql: bound, parameterNames };
}

/**
 * Rows of a JSON 'auto' COPY source: one JSON object per line (NDJSON). Redshift matches top-level
 * keys to column names (always lower case) exactly with 'auto', so a key `Id` loads nothing into
 * column `id`; with 'auto ignorecase' (`ignoreCase`) keys are lower-cased first.
 */
export function parseJsonAutoRows(
  text: string,
  source: string,
  ignoreCase = false,
): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n += 1) {
    const line = (lines[n] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TranslationError(
        `Load from '${source}' failed: invalid JSON on line ${n + 1}: ${(error as Error).message}`,
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TranslationError(
        `Load from '${source}' failed: line ${n + 1} is not a JSON object`,
      );
    }
    if (!ignoreCase) {
      rows.push(value as Record<string, unknown>);
      continue;
    }
    // Prototype-free: a key `__proto__` stays a key (and matches no column).
    const row: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) row[k.toLowerCase()] = v;
    rows.push(row);
  }
  return rows;
}

/**
 * Redshift functions PostgreSQL lacks (or has only for json, not text), installed in every
 * database of the stand-in: JSON_EXTRACT_PATH_TEXT over VARCHAR JSON, JSON_PARSE into SUPER.
 */
export const COMPAT_FUNCTIONS_SQL = `
CREATE OR REPLACE FUNCTION public.json_extract_path_text(json_text text, VARIADIC path text[])
  RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.json_extract_path_text(json_text::json, VARIADIC path) $$;
CREATE OR REPLACE FUNCTION public.json_parse(json_text text)
  RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT json_text::jsonb $$;
`;
