import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { compiledQueryFileText } from './compiled.js';
import { parseDuration } from './duration.js';
import { translateKda } from './kda/translate.js';
import { MAX_QUERY_FILE_BYTES, parseQueryFile, QueryFileInvalid } from './load.js';

const USAGE = `usage: pnpm kda translate <app.sql> [--out queries.yaml] [--detector-window 1m]
       pnpm queries compile <queries.yaml> [--out queries.json]

translate: Kinesis Data Analytics SQL application code into a streamlens query file
(docs/kda-migration.md). The query file goes to --out or stdout; notes and the statements that
could not be translated (with their line and why) go to stderr. Exit code 0 when every statement
translated, 2 when some did not, 1 on a usage or read error.

compile: validates a query file and writes the JSON the stream-aggregator loads (QUERY_FILE,
docs/queries.md) to --out or stdout. Exit code 0, or 1 with every problem (line, column, path)
on stderr.`;

/** Largest SQL file read: KDA capped application code at 100,000 bytes. */
const MAX_SQL_BYTES = 1024 * 1024;

export function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      'detector-window': { type: 'string', default: '1m' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (
    values.help ||
    (command !== 'translate' && command !== 'compile') ||
    file === undefined ||
    positionals.length > 2
  ) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 1;
  }
  if (command === 'compile') return compile(file, values.out);
  const detectorWindow = values['detector-window']!;
  if (parseDuration(detectorWindow) === undefined) {
    process.stderr.write(`--detector-window: ${detectorWindow} is not a duration like 60s or 5m\n`);
    return 1;
  }
  let sql: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_SQL_BYTES) throw new Error(`larger than ${MAX_SQL_BYTES} bytes`);
    sql = bytes.toString('utf8');
  } catch (error) {
    process.stderr.write(`${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const t = translateKda(sql, { detectorWindow });
  for (const n of t.notes)
    process.stderr.write(`${file}:${n.line}: note: ${n.statement}: ${n.message}\n`);
  for (const u of t.untranslated) {
    process.stderr.write(`${file}:${u.line}: not translated: ${u.statement}: ${u.message}\n`);
  }
  if (t.yaml !== undefined) {
    if (values.out !== undefined) writeFileSync(values.out, t.yaml);
    else process.stdout.write(t.yaml);
  }
  process.stderr.write(
    `${t.queries} ${t.queries === 1 ? 'query' : 'queries'} written, ${t.untranslated.length} statement(s) not translated\n`,
  );
  return t.untranslated.length > 0 ? 2 : 0;
}

function compile(file: string, out: string | undefined): number {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_QUERY_FILE_BYTES) {
      throw new Error(`larger than ${MAX_QUERY_FILE_BYTES} bytes`);
    }
    text = bytes.toString('utf8');
  } catch (error) {
    process.stderr.write(`${file}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const compiled = compiledQueryFileText(parseQueryFile(text, file), basename(file));
    if (out !== undefined) writeFileSync(out, compiled);
    else process.stdout.write(compiled);
    return 0;
  } catch (error) {
    if (!(error instanceof QueryFileInvalid)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
