export { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
export {
  type Attribution,
  MAX_ABS_VALUE,
  type Point,
  REFERENCE_LOG10_P,
  type Scored,
  scoreOfLogP,
  scoreOfP,
  update,
  updateInPlace,
} from './detector.js';
export { DetectorError, DetectorStateError } from './errors.js';
export {
  CHANNELS,
  type Channel,
  type DetectorState,
  deserializeState,
  initialState,
  STATE_VERSION,
  serializeState,
} from './state.js';
