import { createHash } from 'node:crypto';
import type { AppLog, LogLevel, TelemetryReading } from '@streamlens/schema';
import { ProducerConfigError } from '../errors.js';

/** How a flow turns lines into records. */
export type ParserConfig =
  | { format: 'raw' }
  | { format: 'json' }
  | {
      format: 'log';
      /** RegExp source with named groups: `message` (required), `level`, `time`, `service`, `traceId`; others become attributes. */
      pattern: string;
      /** Service when the pattern has no `service` group. */
      service?: string;
      /** Level when the pattern has no `level` group or the value is unknown (default INFO). */
      defaultLevel?: LogLevel;
    }
  | {
      format: 'csv';
      /** Column names, in order (or read from the first line with `header: true`). */
      columns?: string[];
      header?: boolean;
      delimiter?: string;
      /** Column of the metric name, or a fixed metric with `metric`. */
      metricColumn?: string;
      metric?: string;
      valueColumn: string;
      timeColumn?: string;
      unit?: string;
      /** Columns that become dimensions. */
      dimensionColumns?: string[];
    };

/** Where a line came from: makes event ids deterministic, so a re-sent line is the same event. */
export interface LineContext {
  /** Stable identity of the file (fingerprint of its first bytes). */
  fileId: string;
  /** Byte offset of the line in the file. */
  offset: number;
  /** Agent host name (dimension/source). */
  source: string;
}

export type ParseResult =
  | { ok: true; data: string; partitionKey?: string }
  | { ok: false; reason: string }
  | { ok: 'skip' };

export type LineParser = (line: string, ctx: LineContext) => ParseResult;

const LEVELS = new Set<LogLevel>(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
const LEVEL_ALIASES: Record<string, LogLevel> = {
  WARNING: 'WARN',
  ERR: 'ERROR',
  CRITICAL: 'FATAL',
  CRIT: 'FATAL',
  TRACE: 'DEBUG',
};

/** Deterministic event id from the line's position in its file. */
export function lineEventId(ctx: LineContext): string {
  return `agent-${createHash('sha1').update(`${ctx.fileId}:${ctx.offset}`).digest('hex').slice(0, 24)}`;
}

function toTime(value: string | undefined): string {
  if (value !== undefined) {
    const n = Number(value);
    const ms =
      Number.isFinite(n) && value.trim() !== '' ? (n < 1e12 ? n * 1000 : n) : Date.parse(value);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  return new Date().toISOString();
}

/** Builds the parser of a flow; throws `ProducerConfigError` on a bad configuration. */
export function createParser(config: ParserConfig): LineParser {
  switch (config.format) {
    case 'raw':
      return (line) => ({ ok: true, data: line });
    case 'json':
      return (line) => {
        // Lines are forwarded as they are (validation happens in the pipeline); parsing only
        // finds the partition key.
        try {
          const v = JSON.parse(line) as { subject?: unknown; id?: unknown };
          const key =
            typeof v.subject === 'string' ? v.subject : typeof v.id === 'string' ? v.id : undefined;
          return key ? { ok: true, data: line, partitionKey: key } : { ok: true, data: line };
        } catch {
          return { ok: false, reason: 'INVALID_JSON' };
        }
      };
    case 'log': {
      let re: RegExp;
      try {
        re = new RegExp(config.pattern);
      } catch (err) {
        throw new ProducerConfigError(`log pattern is not a valid RegExp: ${config.pattern}`, {
          cause: err,
        });
      }
      if (!config.pattern.includes('(?<message>')) {
        throw new ProducerConfigError('log pattern needs a named group "message"');
      }
      return (line, ctx) => {
        const m = re.exec(line);
        if (!m?.groups) return { ok: false, reason: 'NO_MATCH' };
        const { message, level, time, service, traceId, ...rest } = m.groups;
        const raw = (level ?? '').toUpperCase();
        const lvl: LogLevel = LEVELS.has(raw as LogLevel)
          ? (raw as LogLevel)
          : (LEVEL_ALIASES[raw] ?? config.defaultLevel ?? 'INFO');
        const svc = service ?? config.service ?? 'unknown';
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries(rest)) if (v !== undefined) attributes[k] = v;
        const event: AppLog = {
          specversion: '1.0',
          id: lineEventId(ctx),
          source: `streamlens/agent/${ctx.source}`,
          type: 'app.log',
          time: toTime(time),
          subject: svc,
          data: {
            level: lvl,
            message: message ?? '',
            service: svc,
            ...(traceId ? { traceId } : {}),
            ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
          },
        };
        return { ok: true, data: JSON.stringify(event), partitionKey: svc };
      };
    }
    case 'csv': {
      const delimiter = config.delimiter ?? ',';
      let columns = config.columns;
      let headerPending = config.header === true;
      if (!columns && !headerPending)
        throw new ProducerConfigError('csv parser needs columns or header: true');
      if (!config.metricColumn && !config.metric)
        throw new ProducerConfigError('csv parser needs metricColumn or metric');
      return (line, ctx) => {
        const cells = splitCsv(line, delimiter);
        if (headerPending) {
          headerPending = false;
          if (!columns) {
            columns = cells;
            return { ok: 'skip' };
          }
          if (cells.join(',') === columns.join(',')) return { ok: 'skip' };
        }
        const cols = columns as string[];
        const row: Record<string, string> = {};
        cols.forEach((c, i) => {
          row[c] = cells[i] ?? '';
        });
        const metric = config.metricColumn ? row[config.metricColumn] : config.metric;
        const valueText = row[config.valueColumn];
        if (!metric) return { ok: false, reason: 'MISSING_METRIC' };
        if (valueText === undefined || valueText.trim() === '')
          return { ok: false, reason: 'MISSING_VALUE' };
        const value = Number(valueText);
        if (!Number.isFinite(value)) return { ok: false, reason: 'NON_FINITE_NUMBER' };
        const dimensions: Record<string, string> = {};
        for (const d of config.dimensionColumns ?? []) {
          const v = row[d];
          if (v) dimensions[d] = v;
        }
        const subject = dimensions.host ?? Object.values(dimensions)[0];
        const event: TelemetryReading = {
          specversion: '1.0',
          id: lineEventId(ctx),
          source: `streamlens/agent/${ctx.source}`,
          type: 'telemetry.reading',
          time: toTime(config.timeColumn ? row[config.timeColumn] : undefined),
          ...(subject ? { subject } : {}),
          data: {
            metric,
            value,
            ...(config.unit ? { unit: config.unit } : {}),
            ...(Object.keys(dimensions).length > 0 ? { dimensions } : {}),
          },
        };
        return subject
          ? { ok: true, data: JSON.stringify(event), partitionKey: subject }
          : { ok: true, data: JSON.stringify(event) };
      };
    }
    default:
      throw new ProducerConfigError(
        `unknown parser format "${(config as { format: string }).format}"`,
      );
  }
}

/** Splits one CSV line (RFC 4180 quoting: "a ""b""" → a "b"). */
export function splitCsv(line: string, delimiter = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
