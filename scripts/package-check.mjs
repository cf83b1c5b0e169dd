#!/usr/bin/env node
// `pnpm run package:check`: packages every service that has a serverless.yml, offline and two at a
// time, reports each function's zip size, then runs the `packaging` Vitest project, which scans
// every packaged CloudFormation template (wildcard IAM, unencrypted streams/buckets/tables/topics/
// queues/delivery streams, settings that lose data) and checks the compose file against the
// services, and finally runs cfn-lint over the templates (AWS's resource specification: property
// names, types, allowed values, IAM action names), which scripts/setup-machine.sh installs.
//
//   node scripts/package-check.mjs              package, report sizes, scan
//   node scripts/package-check.mjs --no-scan    package and report sizes only
//   node scripts/package-check.mjs --scan-only  scan what is already packaged
//
// Packaging runs with dummy credentials and no metadata lookups so that nothing waits on the
// network, and with stdin closed (osls otherwise may wait on it).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const CONCURRENCY = Number(process.env.PACKAGE_CHECK_CONCURRENCY ?? 2);
const TIMEOUT_MS = Number(process.env.PACKAGE_CHECK_TIMEOUT_MS ?? 600_000);
const TEMPLATE = 'cloudformation-template-update-stack.json';
const serverlessBin = join(root, 'node_modules', '.bin', 'serverless');
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

const env = {
  ...process.env,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'AKIAPACKAGECHECK000',
  AWS_SECRET_ACCESS_KEY: 'package-check-dummy-secret',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  FORCE_COLOR: '0',
};
// A developer's profile would make the SDK read ~/.aws and possibly call SSO.
delete env.AWS_PROFILE;
delete env.AWS_SESSION_TOKEN;

const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'serverless.yml')))
  .sort();

/**
 * Variants packaged besides each service as it packages alone: the optional parts switched on,
 * so that their resources are scanned and linted too. osls clears the service's own .serverless
 * even when told to write elsewhere (--package), so a service's variants go first, one at a time,
 * and its plain job waits for them.
 */
const VARIANTS = [
  {
    service: 'resources',
    label: 'resources (PROVISIONED streams)',
    dir: 'resources-provisioned',
    params: ['streamMode=PROVISIONED', 'eventsShardCount=4', 'streamRetentionHours=48'],
  },
  {
    service: 'opensearch-indexer',
    label: 'opensearch-indexer (domain created)',
    dir: 'opensearch-indexer-domain',
    params: ['createDomain=true'],
  },
  {
    service: 'warehouse-loader',
    label: 'warehouse-loader (warehouse created)',
    dir: 'warehouse-loader-created',
    params: ['createWarehouse=true'],
  },
  // Kafka ingest (config/kafka-ingest.cjs, docs/kafka.md): each consumer from Amazon MSK and from
  // a self-managed cluster, with and without the Kinesis stream, IAM auth, SASL and a VPC.
  ...kafkaVariants(),
];

function kafkaVariants() {
  const cluster =
    'arn:aws:kafka:us-east-1:123456789012:cluster/streamlens/6c1e2f3a-8a1b-4c2d-9e3f-0a1b2c3d4e5f-2';
  const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_streamlens-a1B2c3';
  const servers = 'kafka-1.example.internal:9096,kafka-2.example.internal:9096';
  const vpc = [
    'kafkaSubnetIds=subnet-0a1b2c3d,subnet-0e4f5a6b',
    'kafkaSecurityGroupIds=sg-0c7d8e9f',
  ];
  const msk = (ingest) => [`ingest=${ingest}`, `kafkaClusterArn=${cluster}`];
  const selfManaged = (ingest) => [`ingest=${ingest}`, `kafkaBootstrapServers=${servers}`];
  return [
    ['stream-aggregator', 'msk', 'MSK, IAM auth', msk('msk')],
    [
      'stream-aggregator',
      'kafka',
      'self-managed, SASL in a VPC',
      [...selfManaged('kafka'), `kafkaSecretArn=${secret}`, ...vpc],
    ],
    ['dynamodb-indexer', 'kinesis-msk', 'Kinesis and MSK', msk('kinesis+msk')],
    [
      'dynamodb-indexer',
      'kafka',
      'self-managed, SASL',
      [...selfManaged('kafka'), `kafkaSecretArn=${secret}`],
    ],
    ['opensearch-indexer', 'msk', 'MSK, SASL/SCRAM', [...msk('msk'), `kafkaSecretArn=${secret}`]],
    [
      'opensearch-indexer',
      'kinesis-kafka',
      'Kinesis and self-managed in a VPC',
      [...selfManaged('kinesis+kafka'), ...vpc],
    ],
  ].map(([service, dir, what, params]) => ({
    service,
    label: `${service} (${what})`,
    dir: `${service}-${dir}`,
    params,
  }));
}

const jobs = services.map((name) => ({
  label: name,
  cwd: join(root, 'services', name),
  out: join(root, 'services', name, '.serverless'),
  extraArgs: [],
  after: undefined,
}));
const variantJobs = [];
for (const v of VARIANTS.filter((variant) => services.includes(variant.service))) {
  const variant = {
    label: v.label,
    cwd: join(root, 'services', v.service),
    out: join(root, '.tmp', 'package-check', v.dir),
    extraArgs: v.params.flatMap((param) => ['--param', param]),
    after: undefined,
  };
  // A service's variants run one after another, in list order, then its plain job. A job waits
  // only for one queued before it, which a worker has started by then.
  const plain = jobs.find((job) => job.label === v.service);
  variant.after = plain.after;
  plain.after = variant;
  variantJobs.push(variant);
}
jobs.unshift(...variantJobs);

function fail(message) {
  console.error(`\npackage-check: FAILED: ${message}`);
  process.exit(1);
}

/** Runs a command, capturing its output; resolves with { code, output, ms }. */
function run(command, commandArgs, cwd) {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(command, commandArgs, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout also stops the esbuild children.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      output += `\n[package-check] timed out after ${TIMEOUT_MS / 1000} s; stopping it\n`;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 1 : 0), output, ms: Date.now() - started });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ code: 1, output: `${output}\n${error.stack}`, ms: Date.now() - started });
    });
  });
}

async function packageAll() {
  if (!existsSync(serverlessBin)) fail(`${serverlessBin} not found: run \`pnpm install\` first`);
  console.log(
    `package-check: packaging ${services.length} service(s) offline, ${CONCURRENCY} at a time: ${services.join(', ')}`,
  );
  const queue = [...jobs];
  const failures = [];
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      if (job.after) await job.after.done;
      // A stale template from an earlier run must not be scanned as if it were fresh.
      rmSync(job.out, { recursive: true, force: true });
      const packageArgs = ['package', '--stage', 'dev', '--region', 'us-east-1', ...job.extraArgs];
      if (job.out !== join(job.cwd, '.serverless')) packageArgs.push('--package', job.out);
      job.done = run(serverlessBin, packageArgs, job.cwd);
      const { code, output, ms } = await job.done;
      const seconds = (ms / 1000).toFixed(1);
      const packaged = code === 0 && existsSync(join(job.out, TEMPLATE));
      if (packaged) {
        console.log(`  ✔ ${job.label} (${seconds} s)`);
      } else {
        failures.push(job.label);
        console.log(`  ✘ ${job.label} (${seconds} s, exit ${code}); its output:`);
        console.log(output.replace(/^/gm, `    ${job.label} | `));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, CONCURRENCY) }, worker));
  if (failures.length > 0) fail(`could not package ${failures.join(', ')}`);
}

function formatBytes(bytes) {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Names and uncompressed sizes of a zip's entries, from its central directory. */
function zipEntries(file) {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return [];
  const entries = [];
  let at = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0 && buf.readUInt32LE(at) === 0x02014b50; n--) {
    const nameLength = buf.readUInt16LE(at + 28);
    entries.push({
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
      size: buf.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

/** What a function zip holds, uncompressed: code, source maps, anything else. */
function describeZip(file) {
  const sum = (entries) => entries.reduce((total, e) => total + e.size, 0);
  const entries = zipEntries(file);
  const maps = entries.filter((e) => e.name.endsWith('.map'));
  const code = entries.filter((e) => /\.(c|m)?js$/.test(e.name));
  const other = entries.filter((e) => !maps.includes(e) && !code.includes(e));
  const parts = [`code ${formatBytes(sum(code))}`, `maps ${formatBytes(sum(maps))}`];
  if (other.length > 0)
    parts.push(
      `other ${formatBytes(sum(other))}: ${other.map((e) => basename(e.name)).join(', ')}`,
    );
  return `unzipped: ${parts.join(', ')}`;
}

/** Each Lambda function's deployment zip, found through the template's Code.S3Key. */
function reportSizes() {
  const rows = [];
  for (const service of services) {
    const dir = join(root, 'services', service, '.serverless');
    const file = join(dir, TEMPLATE);
    if (!existsSync(file)) continue;
    const template = JSON.parse(readFileSync(file, 'utf8'));
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const key = resource.Properties?.Code?.S3Key;
      const name = resource.Properties?.FunctionName ?? id;
      const zip = typeof key === 'string' ? join(dir, basename(key)) : undefined;
      const size = zip && existsSync(zip) ? statSync(zip).size : undefined;
      rows.push({
        service,
        name,
        zip: zip ? relative(root, zip) : '(inline code)',
        size,
        contents: size === undefined ? '' : describeZip(zip),
      });
    }
  }
  if (rows.length === 0) {
    console.log('package-check: no Lambda functions packaged yet (resources-only services)');
    return;
  }
  console.log('package-check: function zip sizes');
  const width = Math.max(...rows.map((r) => `${r.service}/${r.name}`.length));
  for (const r of rows) {
    const size = r.size === undefined ? 'missing' : formatBytes(r.size);
    console.log(`  ${`${r.service}/${r.name}`.padEnd(width)}  ${size.padStart(10)}  ${r.zip}`);
    if (r.contents) console.log(`  ${' '.repeat(width)}  ${' '.repeat(10)}  ${r.contents}`);
  }
}

async function scan() {
  console.log('package-check: scanning packaged templates (jest --selectProjects packaging)');
  const code = await new Promise((resolvePromise) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings=ExperimentalWarning',
        jestBin,
        '--selectProjects',
        'packaging',
        '--verbose=false',
      ],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('close', (c) => resolvePromise(c ?? 1));
    child.on('error', () => resolvePromise(1));
  });
  if (code !== 0) fail('the template scan found problems (see above)');
}

/**
 * cfn-lint checks that are noise for templates packaged offline: osls writes each param's value
 * into the template, so a condition such as `!Equals ["false", "true"]` compares constants (W8003)
 * and the branch it never takes is unreachable (W1028). Both are how params work, not mistakes.
 */
const CFN_LINT_IGNORED = ['W8003', 'W1028'];

async function cfnLint() {
  const templates = [
    ...services.map((name) => join(root, 'services', name, '.serverless', TEMPLATE)),
    ...jobs.filter((job) => job.label.includes(' (')).map((job) => join(job.out, TEMPLATE)),
  ];
  console.log(`package-check: cfn-lint over ${templates.length} template(s)`);
  const code = await new Promise((resolvePromise) => {
    const child = spawn('cfn-lint', ['--ignore-checks', ...CFN_LINT_IGNORED, '--', ...templates], {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (c) => resolvePromise(c ?? 1));
    child.on('error', (error) => {
      console.error(
        `package-check: cannot run cfn-lint (${error.message}); run scripts/setup-machine.sh`,
      );
      resolvePromise(1);
    });
  });
  if (code !== 0) fail('cfn-lint found problems in the packaged templates (see above)');
}

if (services.length === 0) fail('no services/*/serverless.yml found: nothing to package or scan');
if (!args.has('--scan-only')) await packageAll();
reportSizes();
if (!args.has('--no-scan')) {
  await scan();
  await cfnLint();
}
console.log('package-check: OK');
