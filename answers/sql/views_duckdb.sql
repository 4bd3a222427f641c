-- The one place the engines differ: flat views over otel_traces (DuckDB). The
-- questions (answers/questions.py) read only these views.
CREATE OR REPLACE VIEW runs AS
SELECT
  SpanId AS run_id,
  epoch_ns("Timestamp") AS ts_ns,
  epoch_ns("Timestamp") // 1000000000 AS ts_s,
  epoch_ns("Timestamp") // 86400000000000 AS day_idx,
  -- Weeks start on Monday: 1970-01-01 was a Thursday.
  (epoch_ns("Timestamp") // 86400000000000 + 3) // 7 AS week_idx,
  coalesce(ResourceAttributes['app.installation.id'], '') AS install_id,
  -- A tool may send no install id (InstallId::None): its runs count, never as an install.
  CASE WHEN coalesce(ResourceAttributes['app.installation.id'], '') <> '' THEN 1 ELSE 0 END AS has_id,
  coalesce(ResourceAttributes['consentry.agent'], '') AS agent,
  CASE WHEN SpanAttributes['consentry.stdout.terminal'] = 'true' THEN 1 ELSE 0 END AS stdout_terminal,
  coalesce(ResourceAttributes['service.version'], '') AS version,
  coalesce(ResourceAttributes['os.type'], '') AS os,
  coalesce(ResourceAttributes['host.arch'], '') AS arch,
  CASE WHEN ResourceAttributes['consentry.ci'] = 'true' THEN 1 ELSE 0 END AS ci,
  coalesce(ResourceAttributes['consentry.ci.vendor'], '') AS ci_vendor,
  coalesce(ResourceAttributes['consentry.source'], '') AS source,
  coalesce(ResourceAttributes['consentry.channel'], '') AS channel,
  -- How many runs this run stands for (consentry.sample.weight: 1 / the sampling rate);
  -- 1 when the tool sends every run, or the value is not a weight consentry can send.
  CASE WHEN TRY_CAST(ResourceAttributes['consentry.sample.weight'] AS DOUBLE) BETWEEN 1 AND 1000000
       THEN TRY_CAST(ResourceAttributes['consentry.sample.weight'] AS DOUBLE) ELSE 1.0 END AS weight,
  coalesce(SpanAttributes['consentry.command'], '') AS command,
  coalesce(TRY_CAST(SpanAttributes['process.exit.code'] AS BIGINT), 0) AS exit_code,
  coalesce(SpanAttributes['error.type'], '') AS error_type,
  -- Failed as consentry's span status says: error.type is set exactly when the exit
  -- code is not one the tool declared a success (grep's "no match" 1 is not a failure).
  CASE WHEN coalesce(SpanAttributes['error.type'], '') <> '' THEN 1 ELSE 0 END AS failed,
  CASE WHEN len(list_filter("Events.Attributes", a -> a['exception.type'] = 'panic')) > 0 THEN 1 ELSE 0 END AS crashed,
  CASE WHEN SpanAttributes['error.type'] IN ('abandoned', 'canceled') THEN 1 ELSE 0 END AS abandoned,
  "Duration" / 1e6 AS duration_ms,
  coalesce(TRY_CAST(SpanAttributes['consentry.command.options'] AS JSON)::VARCHAR[], []::VARCHAR[]) AS options,
  coalesce(TRY_CAST(SpanAttributes['process.command_args'] AS JSON)::VARCHAR[], []::VARCHAR[]) AS args,
  list_transform(
    list_filter(list_zip("Events.Name", "Events.Attributes"), p -> p[1] = 'consentry.feature'),
    p -> coalesce(p[2]['consentry.feature.name'], '')) AS features
FROM otel_traces
WHERE ScopeName = 'consentry' AND "ParentSpanId" = '' AND SpanName <> 'consentry.erase'
  -- An install that asked for erasure is not counted, from the moment its erase request
  -- is stored: its spans carry the SHA-256 of the token the request carries.
  AND coalesce(ResourceAttributes['consentry.erasure.commitment'], '') NOT IN (
    SELECT sha256(SpanAttributes['consentry.erasure.token']) FROM otel_traces
    WHERE SpanName = 'consentry.erase' AND SpanAttributes['consentry.erasure.token'] IS NOT NULL)
-- A span stored twice (a replayed request, a redelivery) is one run.
QUALIFY row_number() OVER (PARTITION BY "TraceId", "SpanId") = 1;

CREATE OR REPLACE VIEW run_options AS
SELECT run_id, command, failed, error_type, weight, unnest(options) AS option_name FROM runs;

CREATE OR REPLACE VIEW run_args AS
SELECT run_id, command, weight, pos, args[pos] AS arg
FROM (SELECT run_id, command, weight, args, unnest(range(1, len(args) + 1)) AS pos FROM runs);

CREATE OR REPLACE VIEW run_features AS
SELECT run_id, install_id, ts_s, weight, unnest(features) AS feature FROM runs;
