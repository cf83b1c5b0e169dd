// `pnpm dashboard --stage X`: the dashboard page over a deployed stage (packages/dashboard).
// Resource names come from the services' serverless.yml resolved for the stage, as a deployment
// names them; credentials from the AWS SDK's default chain (env, profile, SSO, instance role).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STAGE_PORT, startStageDashboard } from '../packages/dashboard/src/index.js';
import { stageTarget } from '../packages/local-pipeline/src/dashboard.js';

const USAGE = `pnpm dashboard --stage NAME [options]
  --stage NAME        the deployed stage (required)
  --region R          its region (default AWS_REGION, else us-east-1)
  --port P            serve on 127.0.0.1:P (default ${DEFAULT_STAGE_PORT})
  --lookback M        read the windows of the last M minutes first (default 60; the stream keeps 24 h)`;

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    region: { type: 'string' },
    port: { type: 'string', default: String(DEFAULT_STAGE_PORT) },
    lookback: { type: 'string', default: '60' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help || !values.stage) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
// The SDK's notice about future Node versions is not this command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const stage = values.stage;
const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
const dashboard = await startStageDashboard(
  stageTarget(root, { stage, region, lookbackMinutes: Number(values.lookback) }),
  Number(values.port),
);
process.stderr.write(
  `dashboard of stage ${stage} (${region}): ${dashboard.server.url}  (Ctrl-C to stop)\n`,
);
const stop = () => {
  void dashboard.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
