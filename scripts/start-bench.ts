// `pnpm start:bench`: CPU per 1,000 events of a fixed cold-start `pnpm start` run, per process;
// `--compare A B` judges one commit against another (packages/local-pipeline/src/bench.ts).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain } from '../packages/local-pipeline/src/bench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
benchMain(process.argv.slice(2), root).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
