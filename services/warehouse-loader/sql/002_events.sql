-- Every lake event (CloudEvents from events/type=<type>/...), one row per event id.
-- Telemetry and log fields are extracted into columns for analytics; the full payload stays in SUPER.
CREATE TABLE IF NOT EXISTS events (
  id VARCHAR(256) NOT NULL ENCODE zstd,
  type VARCHAR(128) NOT NULL ENCODE bytedict,
  source VARCHAR(256) ENCODE zstd,
  subject VARCHAR(512) ENCODE zstd,
  event_time TIMESTAMP NOT NULL ENCODE az64,
  metric VARCHAR(256) ENCODE zstd,
  value DOUBLE PRECISION,
  unit VARCHAR(64) ENCODE zstd,
  log_level VARCHAR(16) ENCODE bytedict,
  log_service VARCHAR(256) ENCODE zstd,
  data SUPER,
  lake_key VARCHAR(1024) ENCODE zstd,
  loaded_at TIMESTAMP NOT NULL DEFAULT GETDATE() ENCODE az64,
  PRIMARY KEY (id)
)
DISTKEY (id)
COMPOUND SORTKEY (event_time, type);
