/**
 * What the stream-aggregator loads at run time: reading a query file. A narrower entry than the
 * package root, which also carries the KDA translator and its command line.
 */
export { parseQueryFile, QueryFileInvalid } from './load.js';
export { fieldRefText } from './model.js';
