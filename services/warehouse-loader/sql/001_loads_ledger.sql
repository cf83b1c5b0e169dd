-- Loads ledger: one row per (lake object, ETag) with its outcome. Written in the same transaction
-- as the rows it loaded (status 'loaded'), or after a failed load (status 'failed', error text).
-- Redshift does not enforce primary keys: uniqueness comes from the loader, which locks this table
-- at the start of every load transaction (README: ledger design).
CREATE TABLE IF NOT EXISTS streamlens_loads (
  object_key VARCHAR(1024) NOT NULL,
  etag VARCHAR(128) NOT NULL,
  target VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  statement_id VARCHAR(128),
  attempts INTEGER NOT NULL,
  rows_loaded BIGINT,
  error VARCHAR(4096),
  updated_at TIMESTAMP NOT NULL DEFAULT GETDATE(),
  loaded_at TIMESTAMP,
  PRIMARY KEY (object_key, etag)
)
DISTSTYLE ALL
SORTKEY (object_key);
