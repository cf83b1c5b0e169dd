import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from './scan.js';

// The stage dashboard (services/resources/dashboard/dashboard.cjs) against what is really
// deployed: every function, queue, table and delivery stream of the packaged templates, and every
// EMF metric the functions' code emits, is on it. Run after `pnpm run package` (package:check does).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'serverless.yml')))
  .sort();

const readTemplate = (service: string): CfnTemplate =>
  JSON.parse(readFileSync(join(root, 'services', service, TEMPLATE), 'utf8')) as CfnTemplate;

type Widget = { x: number; y: number; width: number; height: number; properties: unknown };

/** The deployed body: the Fn::Sub string of the packaged resources template, region filled in. */
function deployedBody(): { widgets: Widget[] } {
  const dashboard = readTemplate('resources').Resources?.Dashboard;
  const body = dashboard?.Properties?.DashboardBody as { 'Fn::Sub': string } | undefined;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS.
  const filled = String(body?.['Fn::Sub']).replaceAll('${AWS::Region}', 'us-east-1');
  return JSON.parse(filled) as { widgets: Widget[] };
}

/** Names of one kind of resource across every packaged template. */
function namesOf(type: string, property: string): string[] {
  return services.flatMap((service) =>
    Object.values(readTemplate(service).Resources ?? {})
      .filter((r) => r.Type === type && r.Condition === undefined)
      .map((r) => r.Properties?.[property])
      .filter((name): name is string => typeof name === 'string'),
  );
}

/** `addMetric('Name'` and `addMetric(\`Prefix_${...}\`` in every service's source. */
function emittedMetricNames(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/addMetric\(\s*['`]([A-Za-z]+)/g)) names.add(m[1] as string);
      }
    }
  };
  for (const service of services) {
    const src = join(root, 'services', service, 'src');
    if (existsSync(src)) walk(src);
  }
  return [...names].sort();
}

describe('stage dashboard', () => {
  it('is valid JSON once CloudFormation fills in the region, with widgets inside 24 columns', () => {
    // Act
    const { widgets } = deployedBody();

    // Assess
    expect(widgets.length).toBeGreaterThan(10);
    expect(widgets.filter((w) => w.x < 0 || w.x + w.width > 24)).toEqual([]);
  });

  it('lays the widgets out without overlap', () => {
    // Prepare
    const { widgets } = deployedBody();
    const cells = new Set<string>();
    let overlaps = 0;

    // Act
    for (const w of widgets) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          if (cells.has(`${x},${y}`)) overlaps++;
          cells.add(`${x},${y}`);
        }
      }
    }

    // Assess
    expect(overlaps).toBe(0);
  });

  it.each([
    ['AWS::Lambda::Function', 'FunctionName'],
    ['AWS::SQS::Queue', 'QueueName'],
    ['AWS::DynamoDB::Table', 'TableName'],
    ['AWS::KinesisFirehose::DeliveryStream', 'DeliveryStreamName'],
  ])('shows every %s of the packaged services', (type, property) => {
    // Prepare
    const body = JSON.stringify(deployedBody());
    const names = namesOf(type, property);

    // Assess
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !body.includes(`"${name}"`))).toEqual([]);
  });

  it('shows every EMF metric the functions emit', () => {
    // Prepare
    const body = JSON.stringify(deployedBody());
    const metrics = emittedMetricNames();

    // Assess
    expect(metrics.length).toBeGreaterThan(20);
    expect(metrics.filter((name) => !body.includes(name))).toEqual([]);
  });
});
