/**
 * What the stream-aggregator loads at run time: a compiled query file (JSON of the validated
 * model). Nothing here imports the YAML parser, Ajv or the KDA translator.
 */
export { CompiledQueryFileInvalid, parseCompiledQueryFile } from './compiled.js';
export { fieldRefText } from './model.js';
