export { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
export { MAX_ABS_VALUE, type Point, type Scored, update, updateInPlace } from './detector.js';
export { DetectorError, DetectorStateError } from './errors.js';
export {
  type DetectorState,
  deserializeState,
  initialState,
  STATE_VERSION,
  serializeState,
} from './state.js';
