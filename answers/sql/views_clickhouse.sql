-- The one place the engines differ: flat views over otel_traces (ClickHouse, chDB).
-- The questions (answers/questions.py) read only these views. Run in the database
-- that holds otel_traces.
-- The commitments of the installs erased so far (`telemetry delete`), kept when their
-- rows and erase requests are deleted (answers/sql/erasure_clickhouse.sql): the
-- commitment, never the token.
CREATE TABLE IF NOT EXISTS consentry_erasures (Commitment String, ErasedAt DateTime64(9))
ENGINE = ReplacingMergeTree ORDER BY Commitment;

CREATE OR REPLACE VIEW runs AS
SELECT
  SpanId AS run_id,
  toUnixTimestamp64Nano(Timestamp) AS ts_ns,
  intDiv(toUnixTimestamp64Nano(Timestamp), 1000000000) AS ts_s,
  intDiv(toUnixTimestamp64Nano(Timestamp), 86400000000000) AS day_idx,
  -- Weeks start on Monday: 1970-01-01 was a Thursday.
  intDiv(intDiv(toUnixTimestamp64Nano(Timestamp), 86400000000000) + 3, 7) AS week_idx,
  ResourceAttributes['app.installation.id'] AS install_id,
  -- A tool may send no install id (InstallId::None): its runs count, never as an install.
  if(ResourceAttributes['app.installation.id'] != '', 1, 0) AS has_id,
  ResourceAttributes['consentry.agent'] AS agent,
  if(SpanAttributes['consentry.stdout.terminal'] = 'true', 1, 0) AS stdout_terminal,
  ResourceAttributes['service.version'] AS version,
  ResourceAttributes['os.type'] AS os,
  ResourceAttributes['host.arch'] AS arch,
  if(ResourceAttributes['consentry.ci'] = 'true', 1, 0) AS ci,
  ResourceAttributes['consentry.ci.vendor'] AS ci_vendor,
  ResourceAttributes['consentry.source'] AS source,
  ResourceAttributes['consentry.channel'] AS channel,
  -- How many runs this run stands for (consentry.sample.weight: 1 / the sampling rate);
  -- 1 when the tool sends every run, or the value is not a weight consentry can send.
  if(ifNull(toFloat64OrNull(ResourceAttributes['consentry.sample.weight']), 0) BETWEEN 1 AND 1000000,
     ifNull(toFloat64OrNull(ResourceAttributes['consentry.sample.weight']), 1), 1.0) AS weight,
  SpanAttributes['consentry.command'] AS command,
  ifNull(toInt64OrNull(SpanAttributes['process.exit.code']), 0) AS exit_code,
  SpanAttributes['error.type'] AS error_type,
  -- Failed as consentry's span status says: error.type is set exactly when the exit
  -- code is not one the tool declared a success (grep's "no match" 1 is not a failure).
  if(SpanAttributes['error.type'] != '', 1, 0) AS failed,
  if(arrayExists(a -> a['exception.type'] = 'panic', `Events.Attributes`), 1, 0) AS crashed,
  if(SpanAttributes['error.type'] IN ('abandoned', 'canceled'), 1, 0) AS abandoned,
  Duration / 1e6 AS duration_ms,
  JSONExtract(SpanAttributes['consentry.command.options'], 'Array(String)') AS options,
  JSONExtract(SpanAttributes['process.command_args'], 'Array(String)') AS args,
  arrayMap(a -> a['consentry.feature.name'],
    arrayFilter((a, n) -> n = 'consentry.feature', `Events.Attributes`, `Events.Name`)) AS features
FROM otel_traces
WHERE ScopeName = 'consentry' AND ParentSpanId = '' AND SpanName != 'consentry.erase'
  -- An install that asked for erasure is not counted, from the moment its erase request
  -- is stored (before erasure_clickhouse.sql deletes its rows).
  AND ResourceAttributes['consentry.erasure.commitment'] NOT IN (
    SELECT lower(hex(SHA256(SpanAttributes['consentry.erasure.token']))) FROM otel_traces
    WHERE SpanName = 'consentry.erase'
    UNION ALL SELECT Commitment FROM consentry_erasures)
-- A span stored twice (a replayed request, a redelivery) is one run.
LIMIT 1 BY TraceId, SpanId;

CREATE OR REPLACE VIEW run_options AS
SELECT run_id, command, failed, error_type, weight, option_name FROM runs ARRAY JOIN options AS option_name;

CREATE OR REPLACE VIEW run_args AS
SELECT run_id, command, weight, pos, arg FROM runs ARRAY JOIN args AS arg, arrayEnumerate(args) AS pos;

CREATE OR REPLACE VIEW run_features AS
SELECT run_id, install_id, ts_s, weight, feature FROM runs ARRAY JOIN features AS feature;
