import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type SampleStats, summarize } from '../stats.js';

/** One measured bundle. */
export interface ColdStartResult {
  readonly name: string;
  readonly kind: 'baseline' | 'streamlens' | 'peer';
  /** Minified (or, for the naive peer, plain) bundle size in KiB. */
  readonly bundleKiB: number;
  readonly samplesMs: number[];
  readonly stats?: SampleStats;
  /** Median over the empty file's median. */
  readonly overEmptyMs?: number;
  /**
   * Median process CPU time (user + system, read by the child right after the require) over the
   * empty file's: steadier than wall time when other work loads the machine.
   */
  readonly cpuOverEmptyMs?: number;
  readonly notes: string[];
  readonly error?: string;
}

interface Target {
  readonly name: string;
  readonly kind: ColdStartResult['kind'];
  readonly entry?: string;
  /** esbuild options: the deployed ones for streamlens, plain defaults for the naive peer. */
  readonly bundleOptions: BundleOptions;
  readonly env: Record<string, string>;
  readonly notes: string[];
  /** esbuild's working directory: the service folder, where osls runs esbuild. */
  readonly workDir?: string;
  bundle?: string;
  error?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));

// A marker that no later pass resolves, so an unknown custom entry makes the value unresolved.
const UNRESOLVED = '$' + '{?}';

const unquote = (value: string): string => value.trim().replace(/^['"]|['"]$/g, '');

/**
 * Top-level `custom:` entries (`  key: value`), unresolved, and one level of maps under them
 * (`  map:` then `    "key": value`) as `map.key`, which `${self:custom.map.${...}}` selects from.
 */
function customBlock(text: string): Record<string, string> {
  const custom: Record<string, string> = {};
  let inside = false;
  let map: string | undefined;
  for (const line of text.split('\n')) {
    if (/^custom:\s*$/.test(line)) {
      inside = true;
      continue;
    }
    if (!inside || line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      inside = false;
      continue;
    }
    const nested = /^ {4}('[^']*'|"[^"]*"|[\w.-]+):\s*(.+)$/.exec(line);
    if (nested && map !== undefined) {
      custom[`${map}.${unquote(nested[1] as string)}`] = unquote(nested[2] as string);
      continue;
    }
    const opener = /^ {2}([\w.-]+):\s*$/.exec(line);
    map = opener ? (opener[1] as string) : undefined;
    const entry = /^ {2}([\w.-]+):\s*(.+)$/.exec(line);
    if (entry) custom[entry[1] as string] = unquote(entry[2] as string);
  }
  return custom;
}

/**
 * Resolves the Serverless variables an offline package resolves: region, stage,
 * `${self:custom.x}`, and `${param:x, default}` / `${opt:x, default}` to their defaults.
 * Returns undefined when something else remains (e.g. `${file(...)}`).
 */
export function resolveServerlessValue(
  raw: string,
  custom: Readonly<Record<string, string>>,
): string | undefined {
  let value = unquote(raw);
  for (let pass = 0; pass < 8 && value.includes('${'); pass++) {
    value = value
      .replace(/\$\{(aws:region|opt:region[^{}]*)\}/g, 'us-east-1')
      .replace(/\$\{(sls:stage|opt:stage[^{}]*)\}/g, 'dev')
      .replace(/\$\{self:custom\.([\w.-]+)\}/g, (_, key: string) => custom[key] ?? UNRESOLVED)
      // A fallback may itself be a variable without `${}` (`${param:x, self:custom.y}`).
      .replace(
        /\$\{[^{}]*?,\s*((?:self|sls|aws|opt|param):[\w.-]+)\s*\}/g,
        (_, ref: string) => `\${${ref}}`,
      )
      .replace(/\$\{[^{}]*?,\s*'([^'{}]*)'\s*\}/g, '$1')
      .replace(/\$\{[^{}]*?,\s*([^'\s{}][^{}]*?)\s*\}/g, '$1');
  }
  if (value.includes('${')) return undefined;
  // CloudFormation references name the resource; its logical id stands in for the name.
  return value.replace(/^!(Ref|GetAtt)\s+/, '');
}

/**
 * Reads `KEY: value` pairs of `environment:` blocks from a serverless.yml, resolving variables as
 * {@link resolveServerlessValue} does, so that a handler that validates its configuration at load
 * finds it as it would on Lambda. Variables whose value stays unresolved are left out (the
 * handler's own default applies).
 */
export function environmentFromServerlessYml(text: string): Record<string, string> {
  const custom = customBlock(text);
  const env: Record<string, string> = {};
  let blockIndent = -1;
  for (const line of text.split('\n')) {
    const start = /^(\s*)environment:\s*(&[\w-]+)?\s*$/.exec(line);
    if (start) {
      blockIndent = (start[1] ?? '').length;
      continue;
    }
    if (blockIndent < 0 || line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent <= blockIndent) {
      blockIndent = -1;
      continue;
    }
    const entry = /^\s*([A-Z][A-Z0-9_]*):\s*(.*)$/.exec(line);
    if (!entry) continue;
    const value = resolveServerlessValue(entry[2] ?? '', custom);
    if (value !== undefined) env[entry[1] as string] = value;
  }
  return env;
}

/** esbuild options serverless-esbuild passes through, read from a `custom.esbuild`-style block. */
export interface BundleOptions {
  minify?: boolean;
  target?: string;
  platform?: 'node';
  format?: 'cjs' | 'esm';
  mainFields?: string[];
  sourcemap?: boolean | 'external' | 'linked' | 'inline';
  external?: string[];
  keepNames?: boolean;
  /** Import paths replaced by others (resolved from the working directory, as esbuild does). */
  alias?: Record<string, string>;
  /** Identifiers replaced by constant expressions (the `tracer` param as a JS string literal). */
  define?: Record<string, string>;
}

/**
 * Reads the top-level `esbuild:` block of config/serverless-common.yml (scalars, `[a, b]` lists and
 * one level of `key: value` maps such as `alias`), keeping the keys that change the bundle, so the
 * bench bundles exactly as deployed.
 */
export function esbuildOptionsFromYml(text: string): BundleOptions {
  const raw: Record<string, string> = {};
  const maps: Record<string, Record<string, string>> = {};
  let inside = false;
  let map: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (/^esbuild:\s*$/.test(line)) {
      inside = true;
      continue;
    }
    if (!inside || line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!line.startsWith(' ')) break;
    const nested = /^ {4,}('[^']*'|"[^"]*"|[^\s:]+):\s*(.+)$/.exec(line);
    if (nested && map) {
      map[unquote(nested[1] as string)] = unquote(nested[2] as string);
      continue;
    }
    const opener = /^ {2}(\w+):\s*$/.exec(line);
    if (opener) {
      map = {};
      maps[opener[1] as string] = map;
      continue;
    }
    map = undefined;
    const entry = /^ {2}(\w+):\s*(.+)$/.exec(line);
    if (entry) raw[entry[1] as string] = unquote(entry[2] as string);
  }
  const list = (v: string): string[] =>
    v
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map((x) => unquote(x))
      .filter(Boolean);
  const options: BundleOptions = {};
  if (raw.minify !== undefined) options.minify = raw.minify === 'true';
  if (raw.keepNames !== undefined) options.keepNames = raw.keepNames === 'true';
  if (raw.target) options.target = raw.target;
  if (raw.platform === 'node') options.platform = 'node';
  if (raw.format === 'cjs' || raw.format === 'esm') options.format = raw.format;
  if (raw.mainFields) options.mainFields = list(raw.mainFields);
  if (raw.external) options.external = list(raw.external);
  if (maps.alias) options.alias = maps.alias;
  if (maps.define) {
    options.define = Object.fromEntries(
      Object.entries(maps.define).map(([key, raw]) => {
        // YAML's '' escape, then a JS string literal around a Serverless variable: the variable
        // takes its default, as in an offline package.
        const value = raw.replace(/''/g, "'");
        const literal = /^"(.*)"$/.exec(value);
        if (!literal) return [key, value];
        const inner = literal[1] as string;
        return [key, JSON.stringify(resolveServerlessValue(`'${inner}'`, {}) ?? inner)];
      }),
    );
  }
  if (raw.sourcemap !== undefined) {
    const v = raw.sourcemap;
    options.sourcemap =
      v === 'true' ? true : v === 'false' ? false : (v as 'external' | 'linked' | 'inline');
  }
  return options;
}

/** The child requires the bundle, then prints its own CPU time (µs) since the process started. */
const childScript = (file: string): string =>
  `require(${JSON.stringify(file)});const u=process.cpuUsage();process.stdout.write('\\ncpu:'+(u.user+u.system))`;

/**
 * Spawns `node` requiring `file` once: wall time of the whole spawn, and the child's own CPU time
 * (user + system) when the require finished.
 */
export function spawnOnce(
  file: string,
  env: Record<string, string>,
): { ms: number; cpuMs?: number; error?: string } {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['-e', childScript(file)], {
    env: { ...env, PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (child.status !== 0) {
    const lines = (child.stderr ?? '').split('\n');
    const err =
      lines.find((l) => /^[A-Za-z]*Error\b( \[\w+\])?:/.test(l)) ?? `exit ${child.status}`;
    return { ms, error: err.trim().slice(0, 160) };
  }
  const cpu = /\ncpu:(\d+)$/.exec(child.stdout ?? '');
  return cpu ? { ms, cpuMs: Number(cpu[1]) / 1000 } : { ms };
}

/** Options of {@link runColdStart}. */
export interface ColdStartOptions {
  readonly root: string;
  /** Spawns per bundle (median taken). */
  readonly runs: number;
  readonly log?: (line: string) => void;
}

/**
 * Bundles every `services/*\/src/handler.ts` as serverless-esbuild does with
 * config/serverless-common.yml (bundle, minify, CommonJS, node20, platform node), plus the naive
 * peer and the zod import comparison, and spawns `node -e "require(bundle)"` for each, interleaved
 * with an empty file, `runs` times.
 */
export async function runColdStart(options: ColdStartOptions): Promise<ColdStartResult[]> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'streamlens-coldstart-'));
  try {
    const commonYml = join(options.root, 'config', 'serverless-common.yml');
    const commonEnv = existsSync(commonYml)
      ? environmentFromServerlessYml(readFileSync(commonYml, 'utf8'))
      : {};
    const deployed: BundleOptions = {
      minify: true,
      target: 'node20',
      platform: 'node',
      format: 'cjs',
      sourcemap: 'external',
      ...(existsSync(commonYml) ? esbuildOptionsFromYml(readFileSync(commonYml, 'utf8')) : {}),
    };
    const lambdaEnv = {
      ...commonEnv,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_LAMBDA_FUNCTION_NAME: 'coldstart',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const targets: Target[] = [
      { name: 'empty file', kind: 'baseline', bundleOptions: {}, env: lambdaEnv, notes: [] },
    ];
    const servicesDir = join(options.root, 'services');
    const services = existsSync(servicesDir) ? readdirSync(servicesDir).sort() : [];
    for (const service of services) {
      const entry = join(servicesDir, service, 'src', 'handler.ts');
      if (!existsSync(entry)) continue;
      const yml = join(servicesDir, service, 'serverless.yml');
      const env = existsSync(yml)
        ? { ...lambdaEnv, ...environmentFromServerlessYml(readFileSync(yml, 'utf8')) }
        : lambdaEnv;
      targets.push({
        name: service,
        kind: 'streamlens',
        entry,
        bundleOptions: deployed,
        env,
        notes: [],
        workDir: join(servicesDir, service),
      });
    }
    targets.push(
      {
        name: 'naive: DynamoDB + SNS clients, Powertools logger/metrics/tracer, middy',
        kind: 'peer',
        entry: join(here, 'naive-handler.ts'),
        bundleOptions: { minify: false, target: 'node20', platform: 'node', format: 'cjs' },
        env: lambdaEnv,
        notes: ['bundled without minify'],
      },
      {
        name: "zod: import { z } from 'zod'",
        kind: 'peer',
        entry: join(here, 'zod-named.ts'),
        bundleOptions: deployed,
        env: lambdaEnv,
        notes: [],
      },
      {
        name: "zod: import * as z from 'zod'",
        kind: 'peer',
        entry: join(here, 'zod-namespace.ts'),
        bundleOptions: deployed,
        env: lambdaEnv,
        notes: [],
      },
    );

    for (const [i, target] of targets.entries()) {
      const outfile = join(dir, `${i}.cjs`);
      if (!target.entry) {
        writeFileSync(outfile, '');
        target.bundle = outfile;
        continue;
      }
      try {
        await build({
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          ...target.bundleOptions,
          entryPoints: [target.entry],
          absWorkingDir: target.workDir ?? options.root,
          outfile,
          bundle: true,
          logLevel: 'silent',
        });
        target.bundle = outfile;
      } catch (error) {
        target.error = `bundle failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
    }
    log(`  coldstart: ${targets.length - 1} bundles, ${options.runs} spawns each`);

    const samples = targets.map(() => [] as number[]);
    const cpuSamples = targets.map(() => [] as number[]);
    for (let run = 0; run < options.runs; run++) {
      for (const [i, target] of targets.entries()) {
        if (!target.bundle || target.error) continue;
        const { ms, cpuMs, error } = spawnOnce(target.bundle, target.env);
        if (error) target.error = `require failed: ${error}`;
        else {
          samples[i]?.push(ms);
          if (cpuMs !== undefined) cpuSamples[i]?.push(cpuMs);
        }
      }
    }

    const empty = samples[0] && samples[0].length > 0 ? summarize(samples[0]).median : undefined;
    const emptyCpu =
      cpuSamples[0] && cpuSamples[0].length > 0 ? summarize(cpuSamples[0]).median : undefined;
    return targets.map((target, i) => {
      const s = samples[i] ?? [];
      const stats = s.length > 0 ? summarize(s) : undefined;
      const cpu = cpuSamples[i] ?? [];
      const cpuMedian = cpu.length > 0 ? summarize(cpu).median : undefined;
      const bundleKiB = target.bundle ? statSync(target.bundle).size / 1024 : 0;
      return {
        name: target.name,
        kind: target.kind,
        bundleKiB,
        samplesMs: s,
        notes: target.notes,
        ...(stats ? { stats } : {}),
        ...(stats && empty !== undefined && target.kind !== 'baseline'
          ? { overEmptyMs: stats.median - empty }
          : {}),
        ...(cpuMedian !== undefined && emptyCpu !== undefined && target.kind !== 'baseline'
          ? { cpuOverEmptyMs: cpuMedian - emptyCpu }
          : {}),
        ...(target.error ? { error: target.error } : {}),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
