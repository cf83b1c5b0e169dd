// `pnpm query entity|type|invalid ...`: the events table's access patterns as NDJSON (src/cli.ts).
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { runQueryCli, USAGE } from '../src/cli.js';
import { QueryArgumentError } from '../src/errors.js';

const argv = process.argv.slice(2);
if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const doc = createDocumentClient();
try {
  await runQueryCli(argv, doc, { out: (line) => process.stdout.write(line), env: process.env });
} catch (error) {
  const argumentError =
    error instanceof QueryArgumentError || (error as Error)?.name === 'TypeError';
  console.error(`pnpm query: ${(error as Error).message}`);
  if (argumentError) console.error(USAGE);
  process.exitCode = argumentError ? 2 : 1;
} finally {
  doc.destroy();
}
