export {
  type AggregatesRead,
  AggregatesReader,
  type StartPosition,
} from './aggregates.js';
export { bundlePage, JS_BUDGET_BYTES, type PageBundle, pageHtml } from './bundle.js';
export {
  countersFromMetrics,
  DEFAULT_SPAN,
  EMF_NAMESPACE,
  type MetricsSpan,
  metricQueries,
  metricRange,
  RECORD_METRICS,
  type StageFunction,
  StageMetricsReader,
} from './cloudwatch.js';
export {
  type RunningDashboard,
  type StageTarget,
  startDashboard,
  startStageDashboard,
} from './dashboard.js';
export { alertsOfSeriesItem, EpisodeReader, type EpisodesRead } from './episodes.js';
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
export {
  type ProblemReason,
  problemOf,
  type SourceProblem,
  SourceUnavailableError,
  unavailable,
} from './problems.js';
export { detectorConfig, scoreSeries, type WindowScore } from './score.js';
export {
  type DashboardServer,
  DEFAULT_LOCAL_PORT,
  DEFAULT_STAGE_PORT,
  serveDashboard,
} from './server.js';
export {
  type AlertsRead,
  composeSource,
  type DashboardSource,
  type PipelineCounters,
  type RunOutcome,
  type SourcePart,
  type SourceParts,
  type SourceRead,
  type StageCounters,
} from './source.js';
