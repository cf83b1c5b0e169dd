export {
  type CostArgs,
  parseCostArgs,
  parseScaleArgs,
  type ScaleArgs,
  UsageError,
} from './args.js';
export {
  aggregatesShards,
  aggregationMonthly,
  type ConsumerMode,
  type CostInput,
  type CostResult,
  costModel,
  crossoverRate,
  flinkMonthly,
  GROUPS,
  putUnits,
  shardsFor,
} from './cost.js';
export { DEFAULTS, type Sourced } from './defaults.js';
export { LIMIT_SOURCES, LIMITS } from './limits.js';
export {
  charge,
  eventsPerInvocation,
  GB,
  HOURS_PER_MONTH,
  type Line,
  SECONDS_PER_MONTH,
  type Totals,
  total,
} from './money.js';
export { PRICES, type Price, type PriceId, type PriceStatus } from './prices.js';
export { renderCost, renderScale } from './report.js';
export {
  AGGREGATOR,
  type Check,
  type ScaleInput,
  type ScaleResult,
  scaleModel,
  WORKLOADS,
} from './scale.js';
