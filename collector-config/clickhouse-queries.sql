-- Product questions over the spans forward-clickhouse.yaml (or store-from-kafka.yaml)
-- writes to consentry.otel_traces (the ClickHouse exporter's standard schema). One row
-- is one command run. Replace 'taskr' with the tool's name.

-- Commands run per day, by command.
SELECT toDate(Timestamp) AS day, SpanAttributes['consentry.command'] AS command, count() AS runs
FROM consentry.otel_traces
WHERE ServiceName = 'taskr' AND Timestamp > now() - INTERVAL 30 DAY
GROUP BY day, command ORDER BY day, runs DESC;

-- Failure rate and the most common error types per command, last 7 days.
SELECT SpanAttributes['consentry.command'] AS command,
       countIf(StatusCode = 'Error') / count() AS failure_rate,
       topKIf(3)(SpanAttributes['error.type'], StatusCode = 'Error') AS top_errors
FROM consentry.otel_traces
WHERE ServiceName = 'taskr' AND Timestamp > now() - INTERVAL 7 DAY
GROUP BY command ORDER BY failure_rate DESC;

-- Duration percentiles (ms) by version and command.
SELECT ResourceAttributes['service.version'] AS version, SpanAttributes['consentry.command'] AS command,
       quantiles(0.5, 0.95, 0.99)(Duration / 1e6) AS p50_p95_p99_ms, count() AS runs
FROM consentry.otel_traces
WHERE ServiceName = 'taskr' AND Timestamp > now() - INTERVAL 30 DAY
GROUP BY version, command ORDER BY version DESC, runs DESC;

-- Active installs per day and per OS (distinct random install ids).
SELECT toDate(Timestamp) AS day, ResourceAttributes['os.type'] AS os,
       uniq(ResourceAttributes['consentry.install.id']) AS installs
FROM consentry.otel_traces
WHERE ServiceName = 'taskr' AND Timestamp > now() - INTERVAL 30 DAY
GROUP BY day, os ORDER BY day, installs DESC;

-- Version adoption: share of runs per version, last 7 days.
SELECT ResourceAttributes['service.version'] AS version, count() / sum(count()) OVER () AS share
FROM consentry.otel_traces
WHERE ServiceName = 'taskr' AND Timestamp > now() - INTERVAL 7 DAY
GROUP BY version ORDER BY share DESC;

-- Which options are used with each command (option names only; values are masked).
SELECT SpanAttributes['consentry.command'] AS command, arg AS option, count() AS runs
FROM consentry.otel_traces
ARRAY JOIN JSONExtract(SpanAttributes['process.command_args'], 'Array(String)') AS arg
WHERE ServiceName = 'taskr' AND startsWith(arg, '-')
GROUP BY command, option ORDER BY command, runs DESC;
