-- Applies the erase requests consentry's `telemetry delete` sends (spans named
-- consentry.erase carrying consentry.erasure.token) to a ClickHouse store: records each
-- proven commitment (the SHA-256 of the token's text, never the token), then deletes
-- every span of the installs committed to it, and the erase requests themselves. Run it
-- in the database that holds otel_traces, as often as erasure should take effect on
-- disk (the views stop counting an erased install as soon as its request is stored).
-- A token of another shape proves nothing and is deleted unrecorded; a token no span is
-- committed to erases nothing; a replayed request records nothing new.
CREATE TABLE IF NOT EXISTS consentry_erasures (Commitment String, ErasedAt DateTime64(9))
ENGINE = ReplacingMergeTree ORDER BY Commitment;

INSERT INTO consentry_erasures
SELECT DISTINCT lower(hex(SHA256(SpanAttributes['consentry.erasure.token']))) AS Commitment, now64(9)
FROM otel_traces
WHERE SpanName = 'consentry.erase'
  AND match(SpanAttributes['consentry.erasure.token'], '^[0-9a-f]{64}$')
  AND Commitment NOT IN (SELECT Commitment FROM consentry_erasures);

-- Only the erase requests whose commitment is recorded (or that prove nothing) go: one
-- stored after the INSERT above waits for the next run.
DELETE FROM otel_traces
WHERE ResourceAttributes['consentry.erasure.commitment'] IN (SELECT Commitment FROM consentry_erasures)
   OR (SpanName = 'consentry.erase'
       AND (NOT match(SpanAttributes['consentry.erasure.token'], '^[0-9a-f]{64}$')
            OR lower(hex(SHA256(SpanAttributes['consentry.erasure.token']))) IN (SELECT Commitment FROM consentry_erasures)));
