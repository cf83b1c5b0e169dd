export {
  COMPILED_FORMAT,
  CompiledQueryFileInvalid,
  compiledQueryFileText,
  parseCompiledQueryFile,
} from './compiled.js';
export { DEFAULT_AGGREGATES, defaultQueryFileText } from './defaults.js';
export { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
export { SqlSyntaxError } from './kda/lexer.js';
export {
  type TranslateNote,
  type TranslateOptions,
  type Translation,
  translateKda,
} from './kda/translate.js';
export {
  MAX_QUERY_FILE_BYTES,
  parseQueryFile,
  type QueryFileError,
  QueryFileInvalid,
} from './load.js';
export * from './model.js';
export { QUERY_FILE_SCHEMA } from './schema.js';
