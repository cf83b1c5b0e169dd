import { ProducerConfigError } from '../errors.js';
import { splitCsv } from './parsers.js';

/**
 * Kinesis Agent's `dataProcessingOptions`, applied in order to each record before the flow's
 * parser (with the default `raw` parser the record is sent as the options leave it, as Kinesis
 * Agent does).
 */
export type DataProcessingOption =
  | { optionName: 'SINGLELINE' }
  | { optionName: 'CSVTOJSON'; customFieldNames: string[]; delimiter?: string }
  | {
      optionName: 'LOGTOJSON';
      logFormat: LogFormat;
      /** RegExp with one capture group per field, replacing the format's own pattern. */
      matchPattern?: string;
      /** Field names for the capture groups (default: the format's names). */
      customFieldNames?: string[];
    }
  | {
      optionName: 'ADDMETADATA';
      /** Adds `timestamp` (ms since the epoch, when the agent read the record). */
      timestamp?: boolean | 'true' | 'false';
      metadata: Record<string, unknown>;
    }
  | { optionName: 'ADDEC2METADATA'; logFormat?: string };

export const LOG_FORMATS = {
  COMMONAPACHELOG: {
    pattern: /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)$/,
    fields: ['host', 'ident', 'authuser', 'datetime', 'request', 'response', 'bytes'],
  },
  COMBINEDAPACHELOG: {
    pattern:
      /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/,
    fields: [
      'host',
      'ident',
      'authuser',
      'datetime',
      'request',
      'response',
      'bytes',
      'referrer',
      'agent',
    ],
  },
  APACHEERRORLOG: {
    pattern:
      /^\[([^\]]+)\] \[(?:(\w+):)?(\w+)\] \[pid (\d+)(?::tid (\d+))?\](?: \[client ([^\]]+)\])? (.*)$/,
    fields: ['timestamp', 'module', 'severity', 'processid', 'threadid', 'client', 'message'],
  },
  SYSLOG: {
    // RFC 3164: "Mmm dd hh:mm:ss host program[pid]: message"
    pattern: /^(\w{3} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ([^:[\s]+)(?:\[(\d+)\])?: (.*)$/,
    fields: ['timestamp', 'hostname', 'program', 'processid', 'message'],
  },
  RFC3339SYSLOG: {
    pattern: /^(\d{4}-\d{2}-\d{2}T\S+) (\S+) ([^:[\s]+)(?:\[(\d+)\])?: (.*)$/,
    fields: ['timestamp', 'hostname', 'program', 'processid', 'message'],
  },
} as const;
export type LogFormat = keyof typeof LOG_FORMATS;

/** A record the options could not convert (e.g. a line LOGTOJSON's pattern does not match). */
export type Processed = { ok: true; text: string } | { ok: false; reason: string };

/** One compiled option. */
type Step = (text: string, now: () => number) => Processed;

function toJsonObject(names: readonly string[], values: readonly (string | undefined)[]): string {
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const v = values[i];
    // Optional groups that did not take part (e.g. no threadid) are left out.
    if (v !== undefined) out[name] = v;
  });
  return JSON.stringify(out);
}

function compileStep(option: DataProcessingOption, where: string): Step {
  switch (option?.optionName) {
    case 'SINGLELINE':
      return (text) => ({
        ok: true,
        text: text
          .split(/\r?\n/)
          .map((l) => l.trim())
          .join(''),
      });
    case 'CSVTOJSON': {
      const names = option.customFieldNames;
      if (!Array.isArray(names) || names.length === 0) {
        throw new ProducerConfigError(`${where}: CSVTOJSON needs customFieldNames`);
      }
      const delimiter = option.delimiter ?? ',';
      return (text) => ({ ok: true, text: toJsonObject(names, splitCsv(text, delimiter)) });
    }
    case 'LOGTOJSON': {
      const format = LOG_FORMATS[option.logFormat];
      if (format === undefined) {
        throw new ProducerConfigError(
          `${where}: LOGTOJSON logFormat must be one of ${Object.keys(LOG_FORMATS).join(', ')}`,
        );
      }
      let pattern: RegExp = format.pattern;
      if (option.matchPattern !== undefined) {
        try {
          pattern = new RegExp(option.matchPattern);
        } catch (err) {
          throw new ProducerConfigError(`${where}: bad LOGTOJSON matchPattern`, { cause: err });
        }
      }
      const names = option.customFieldNames ?? format.fields;
      return (text) => {
        const m = pattern.exec(text);
        if (m === null) return { ok: false, reason: `not in ${option.logFormat} format` };
        return { ok: true, text: toJsonObject(names, m.slice(1)) };
      };
    }
    case 'ADDMETADATA': {
      if (typeof option.metadata !== 'object' || option.metadata === null) {
        throw new ProducerConfigError(`${where}: ADDMETADATA needs a metadata object`);
      }
      const metadata = option.metadata;
      const stamp = option.timestamp === true || option.timestamp === 'true';
      return (text, now) => {
        const wrapped: Record<string, unknown> = { metadata, data: text };
        if (stamp) wrapped.timestamp = now();
        return { ok: true, text: JSON.stringify(wrapped) };
      };
    }
    case 'ADDEC2METADATA':
      throw new ProducerConfigError(
        `${where}: ADDEC2METADATA is not supported (no EC2 instance metadata outside EC2; use ADDMETADATA with the values you want)`,
      );
    default:
      throw new ProducerConfigError(
        `${where}: unknown optionName ${JSON.stringify((option as { optionName?: unknown })?.optionName)}`,
      );
  }
}

/**
 * Compiles a flow's `dataProcessingOptions` into one function; throws `ProducerConfigError` for an
 * unknown or misconfigured option.
 */
export function createProcessor(
  options: readonly DataProcessingOption[] | undefined,
  where = 'dataProcessingOptions',
  now: () => number = Date.now,
): ((text: string) => Processed) | undefined {
  if (options === undefined || options.length === 0) return undefined;
  if (!Array.isArray(options)) throw new ProducerConfigError(`${where} must be an array`);
  const steps = options.map((o, i) => compileStep(o, `${where}[${i}]`));
  return (text) => {
    let current = text;
    for (const step of steps) {
      const out = step(current, now);
      if (!out.ok) return out;
      current = out.text;
    }
    return { ok: true, text: current };
  };
}
