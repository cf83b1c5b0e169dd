export {
  type AggregatesRead,
  AggregatesReader,
  type StartPosition,
  StreamUnavailableError,
} from './aggregates.js';
export { bundlePage, JS_BUDGET_BYTES, type PageBundle, pageHtml } from './bundle.js';
export {
  type RunningDashboard,
  type StageTarget,
  startDashboard,
  startStageDashboard,
} from './dashboard.js';
export {
  DashboardHub,
  type PipelineView,
  type SourceStatus,
  type StageRates,
  type Update,
} from './hub.js';
export {
  type AlertView,
  alertViewOf,
  DashboardModel,
  DEFAULT_LIMITS,
  type ModelLimits,
  type SeriesSummary,
  type WindowPoint,
} from './model.js';
export { detectorConfig, scoreSeries, type WindowScore } from './score.js';
export { type DashboardServer, serveDashboard } from './server.js';
export {
  composeSource,
  type DashboardSource,
  type PipelineCounters,
  type RunOutcome,
  type SourceParts,
  type SourceRead,
  type StageCounters,
} from './source.js';
