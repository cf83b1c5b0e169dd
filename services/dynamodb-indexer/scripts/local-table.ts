// Starts DynamoDB Local, creates the events table and prints the environment that
// `serverless invoke local` and `pnpm query` need; runs until Ctrl-C (then stops DynamoDB Local).
//   npx tsx services/dynamodb-indexer/scripts/local-table.ts [table-name]
import { startLocalAws } from '@streamlens/local-aws';
import { eventsTableDefinition } from '../src/table.js';

const table = process.argv[2] ?? 'streamlens-dev-events';
const aws = await startLocalAws({ services: ['dynamodb'] });
await aws.createResources({ tables: [eventsTableDefinition(table)] });
const env = { ...aws.env, EVENTS_TABLE_NAME: table };
console.log('# DynamoDB Local is up with the events table. In another shell:');
for (const [key, value] of Object.entries(env)) console.log(`export ${key}=${value}`);
const stop = async () => {
  await aws.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await new Promise(() => {});
