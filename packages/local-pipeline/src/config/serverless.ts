import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { ServiceConfigError } from '../errors.js';

// Why not `serverless print`? It resolves the same variables but costs ~20 s per service on these
// loaded machines (measured: 20.4 s for stream-aggregator), i.e. two minutes before `pnpm start`
// could begin. The Serverless variable grammar streamlens uses is small (param/opt/sls/aws/self/
// file/env with fallbacks), so it is resolved here, in milliseconds, from the same files.

/** Where a service runs: what `${opt:stage}`, `${aws:region}` and `${param:x}` resolve to. */
export interface ResolveOptions {
  readonly stage?: string;
  readonly region?: string;
  /** `--param name=value` values (as on a deploy's command line); override `params.<stage|default>` of the file. */
  readonly params?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A serverless.yml with every `${...}` variable resolved (CloudFormation intrinsics kept as objects). */
export interface ResolvedService {
  readonly dir: string;
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  /** The resolved document (provider, functions, resources, custom...). */
  readonly doc: Record<string, unknown>;
}

const CFN_FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Transform',
] as const;

/** YAML tags CloudFormation templates use (`!Ref X`, `!GetAtt A.B`, `!Sub ...`), as JSON intrinsics. */
function cfnTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) } as ScalarTag,
    {
      tag: '!GetAtt',
      resolve: (value: string) => {
        const dot = value.indexOf('.');
        return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
      },
    } as ScalarTag,
    {
      tag: '!GetAtt',
      collection: 'seq',
      resolve: (value: { toJSON(): unknown }) => ({ 'Fn::GetAtt': value.toJSON() }),
    } as unknown as CollectionTag,
    { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) } as ScalarTag,
  ];
  for (const name of CFN_FUNCTIONS) {
    tags.push({
      tag: `!${name}`,
      resolve: (value: string) => ({ [`Fn::${name}`]: value }),
    } as ScalarTag);
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag: `!${name}`,
        collection,
        resolve: (value: { toJSON(): unknown }) => ({ [`Fn::${name}`]: value.toJSON() }),
      } as unknown as CollectionTag);
    }
  }
  return tags;
}

/** Parse a YAML file that may hold CloudFormation short-form tags. */
export function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'), { customTags: cfnTags(), merge: true });
  } catch (error) {
    throw new ServiceConfigError(`cannot read ${path}`, { cause: error });
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServiceConfigError(`cannot read ${path}`, { cause: error });
  }
}

function getPath(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split('.').filter((p) => p.length > 0)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Index of the `}` closing the `${` that starts at `start`, honouring nesting and quotes. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if ((ch === "'" || ch === '"') && depth > 0) quote = ch;
    else if (ch === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Split `a, 'b, c', ${x:y, z}` at top-level commas. */
function splitFallbacks(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '$' && expr[i + 1] === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

const KEEP = Symbol('keep');

class Resolver {
  private readonly fileCache = new Map<string, unknown>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly raw: Record<string, unknown>,
    private readonly stage: string,
    private readonly region: string,
    private readonly params: Readonly<Record<string, string>>,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  value(node: unknown): unknown {
    if (typeof node === 'string') return this.string(node);
    if (Array.isArray(node)) return node.map((item) => this.value(item));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = this.value(item);
      return out;
    }
    return node;
  }

  private string(text: string, from = 0): unknown {
    const start = text.indexOf('${', from);
    if (start < 0) return text;
    const end = closingBrace(text, start);
    if (end < 0) return text;
    const resolved = this.expression(text.slice(start + 2, end));
    // `${AWS::Region}`, `${LogicalId}` inside Fn::Sub belong to CloudFormation: left as written.
    if (resolved === KEEP) return this.string(text, end + 1);
    if (start === 0 && end === text.length - 1) return resolved;
    const piece =
      resolved === undefined || resolved === null
        ? ''
        : typeof resolved === 'object'
          ? JSON.stringify(resolved)
          : String(resolved);
    return this.string(text.slice(0, start) + piece + text.slice(end + 1));
  }

  private expression(expr: string): unknown {
    if (!/^[a-z]+:|^file\(/.test(expr.trim())) return KEEP;
    const candidates = splitFallbacks(expr);
    for (const candidate of candidates) {
      const value = this.candidate(candidate);
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  }

  private candidate(text: string): unknown {
    if (/^'.*'$/s.test(text) || /^".*"$/s.test(text)) return this.string(text.slice(1, -1));
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text === 'true' || text === 'false') return text === 'true';
    if (text === 'null') return null;
    if (text.startsWith('${')) return this.string(text);
    // A variable inside the address (`${self:custom.byMode.${param:mode}}`) first, as the Framework.
    if (text.includes('${')) return this.candidate(String(this.string(text)));
    const fileMatch = /^file\(([^)]+)\)(?::(.*))?$/.exec(text);
    if (fileMatch) return this.file(fileMatch[1] as string, fileMatch[2] ?? '');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    const source = text.slice(0, colon);
    const name = text.slice(colon + 1).trim();
    switch (source) {
      case 'param':
        return this.params[name] ?? this.fileParam(name);
      case 'opt':
        return name === 'stage' ? this.stage : name === 'region' ? this.region : undefined;
      case 'sls':
        return name === 'stage' ? this.stage : name === 'instanceId' ? 'local' : undefined;
      case 'aws':
        if (name === 'region') return this.region;
        if (name === 'accountId') return '000000000000';
        return undefined;
      case 'env':
        return this.env[name];
      case 'self':
        return this.self(name);
      default:
        throw new ServiceConfigError(`unsupported variable source "${source}" in \${${text}}`);
    }
  }

  private fileParam(name: string): unknown {
    const params = this.raw.params as Record<string, Record<string, unknown>> | undefined;
    const value = params?.[this.stage]?.[name] ?? params?.default?.[name];
    return value === undefined ? undefined : this.value(value);
  }

  private self(path: string): unknown {
    if (this.resolving.has(path)) throw new ServiceConfigError(`circular \${self:${path}}`);
    this.resolving.add(path);
    try {
      return this.value(getPath(this.raw, path));
    } finally {
      this.resolving.delete(path);
    }
  }

  private file(relative: string, path: string): unknown {
    // As in the Framework: relative to the service folder, also inside an included file.
    const full = resolve(this.dir, relative.trim());
    // A JS file source is a function of the Framework's resolver API (the dashboard body); the
    // local pipeline needs none of those values.
    if (/\.(c|m)?js$/.test(full)) return undefined;
    let doc = this.fileCache.get(full);
    if (doc === undefined) {
      // YAML and JSON are parsed; any other file is its text (SQL handed to a custom resource).
      doc = /\.(ya?ml|json)$/.test(full) ? readYaml(full) : readText(full);
      this.fileCache.set(full, doc);
    }
    // `${self:...}` in an included file means the service's own document, as in the Framework.
    return this.value(path ? getPath(doc, path) : doc);
  }
}

/** Deep merge of plain objects, later entries winning (the Framework's `mergeArrays`). */
function mergePlain(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return target;
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    target[key] =
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current) &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value)
        ? mergePlain({ ...(current as Record<string, unknown>) }, value)
        : value;
  }
  return target;
}

/**
 * Read `<dir>/serverless.yml` and resolve its variables the way the Serverless Framework does for
 * the sources streamlens uses: `${param:x, default}`, `${opt:stage}`, `${sls:stage}`,
 * `${aws:region}`, `${self:a.b}`, `${file(path):key}`, `${env:X}`, with fallbacks.
 * @example
 * const svc = loadService('services/stream-aggregator', { stage: 'local' });
 * svc.doc.functions.aggregate.events[0].stream.batchSize; // 1000
 */
export function loadService(dir: string, options: ResolveOptions = {}): ResolvedService {
  const raw = readYaml(join(dir, 'serverless.yml')) as Record<string, unknown>;
  if (!raw || typeof raw !== 'object')
    throw new ServiceConfigError(`${dir}/serverless.yml is empty`);
  const stage = options.stage ?? 'dev';
  const region = options.region ?? 'us-east-1';
  const resolver = new Resolver(
    resolve(dir),
    raw,
    stage,
    region,
    options.params ?? {},
    options.env ?? process.env,
  );
  const doc = resolver.value(raw) as Record<string, unknown>;
  // `resources:` may be a list (an included file of alarms, then the service's own): one object.
  if (Array.isArray(doc.resources)) doc.resources = doc.resources.reduce(mergePlain, {});
  return { dir: resolve(dir), service: String(doc.service), stage, region, doc };
}
