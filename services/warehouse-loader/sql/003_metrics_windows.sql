-- Window aggregates archived by stream-aggregator (aggregates/dt=.../*.ndjson), one row per
-- (series, window_start, revision); the newest revision of a window is the correct one.
CREATE TABLE IF NOT EXISTS metrics_windows (
  id VARCHAR(256) NOT NULL ENCODE zstd,
  series VARCHAR(1024) NOT NULL ENCODE zstd,
  kind VARCHAR(16) ENCODE bytedict,
  metric VARCHAR(256) ENCODE zstd,
  window_start TIMESTAMP NOT NULL ENCODE az64,
  window_end TIMESTAMP ENCODE az64,
  window_seconds INTEGER,
  revision INTEGER NOT NULL,
  count BIGINT,
  sum DOUBLE PRECISION,
  min DOUBLE PRECISION,
  max DOUBLE PRECISION,
  mean DOUBLE PRECISION,
  p50 DOUBLE PRECISION,
  p90 DOUBLE PRECISION,
  p99 DOUBLE PRECISION,
  final BOOLEAN,
  data SUPER,
  lake_key VARCHAR(1024) ENCODE zstd,
  loaded_at TIMESTAMP NOT NULL DEFAULT GETDATE() ENCODE az64,
  PRIMARY KEY (series, window_start, revision)
)
DISTKEY (series)
COMPOUND SORTKEY (window_start, series);
