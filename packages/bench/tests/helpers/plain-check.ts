// A hand-written check of the v1 input types, independent of zod and of @streamlens/schema, to
// confirm that the generator's "valid" records are valid and its invalid ones are not.

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const nonEmpty = (v: unknown): boolean => isString(v) && v.length > 0;

/** True when `json` is a valid `telemetry.reading` or `app.log` CloudEvent no larger than maxBytes. */
export function plainCheck(json: string, maxBytes: number): boolean {
  if (Buffer.byteLength(json) > maxBytes) return false;
  let e: unknown;
  try {
    e = JSON.parse(json);
  } catch {
    return false;
  }
  if (!isObject(e)) return false;
  if (e.specversion !== '1.0' || !nonEmpty(e.id) || !nonEmpty(e.source)) return false;
  if (!isString(e.time) || !RFC3339.test(e.time) || Number.isNaN(Date.parse(e.time))) return false;
  const d = e.data;
  if (!isObject(d)) return false;
  if (e.type === 'telemetry.reading') {
    if (!nonEmpty(d.metric) || typeof d.value !== 'number' || !Number.isFinite(d.value)) {
      return false;
    }
    if (d.unit !== undefined && !isString(d.unit)) return false;
    if (d.dimensions !== undefined) {
      if (!isObject(d.dimensions)) return false;
      if (!Object.values(d.dimensions).every(isString)) return false;
    }
    return true;
  }
  if (e.type === 'app.log') {
    if (!isString(d.level) || !LEVELS.has(d.level) || !isString(d.message)) return false;
    if (!nonEmpty(d.service)) return false;
    if (d.attributes !== undefined) {
      if (!isObject(d.attributes)) return false;
      for (const v of Object.values(d.attributes)) {
        if (
          typeof v === 'number' ? !Number.isFinite(v) : !['string', 'boolean'].includes(typeof v)
        ) {
          return false;
        }
      }
    }
    return true;
  }
  return false;
}
