// `pnpm start`: the whole streamlens pipeline on local stand-ins (packages/local-pipeline).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../packages/local-pipeline/src/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
main(process.argv.slice(2), root).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
