"""The operator's questions, each defined once in DuckDB's SQL over the flat views
(`runs`, `run_options`, `run_args`, `run_features`; see `sql/views_*.sql`) and
transpiled to ClickHouse by SQLGlot. Percentiles are nearest-rank (the value at rank
ceil(q * n) in order), written with window functions so that both engines, and the
generator's ground truth, agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot


@dataclass(frozen=True)
class Question:
    """One named question: what it answers, and its query."""

    name: str
    title: str
    meaning: str
    sql: str

    def on(self, dialect: str) -> str:
        """The query in `dialect` (`duckdb` or `clickhouse`)."""
        if dialect == "duckdb":
            return self.sql
        return sqlglot.transpile(self.sql, read="duckdb", write=dialect, pretty=True)[0]


def _nearest_rank(q: float) -> str:
    return f"MAX(CASE WHEN rn = CEIL({q} * n) THEN duration_ms END)"


QUESTIONS = [
    Question("daily_active_installs", "Users over time",
             "Distinct installs (random install ids) and runs per day.", """
SELECT day_idx, COUNT(DISTINCT install_id) AS installs, COUNT(*) AS runs
FROM runs GROUP BY day_idx ORDER BY day_idx"""),
    Question("weekly_growth", "Growth",
             "Per week (Monday start): installs active that week and installs seen for the first time.", """
WITH firsts AS (SELECT install_id, MIN(week_idx) AS first_week FROM runs GROUP BY install_id),
active AS (SELECT week_idx, COUNT(DISTINCT install_id) AS active_installs FROM runs GROUP BY week_idx),
newcomers AS (SELECT first_week, COUNT(*) AS new_installs FROM firsts GROUP BY first_week)
SELECT a.week_idx, a.active_installs, COALESCE(c.new_installs, 0) AS new_installs
FROM active AS a LEFT JOIN newcomers AS c ON a.week_idx = c.first_week
ORDER BY a.week_idx"""),
    Question("top_commands", "Most used commands",
             "Runs and distinct installs per command.", """
SELECT command, COUNT(*) AS runs, COUNT(DISTINCT install_id) AS installs
FROM runs GROUP BY command ORDER BY runs DESC, command"""),
    Question("option_use", "Parameters used",
             "How often each option name is used with each command (values are never needed).", """
SELECT command, option_name, COUNT(*) AS runs
FROM run_options GROUP BY command, option_name ORDER BY command, runs DESC, option_name"""),
    Question("option_values", "Declared parameter values",
             "Values the tool declared safe to send (a value after an option that is not masked as *****).", """
SELECT a.command, a.arg AS option_name, b.arg AS option_value, COUNT(*) AS runs
FROM run_args AS a JOIN run_args AS b ON a.run_id = b.run_id AND b.pos = a.pos + 1
WHERE a.arg LIKE '-%' AND b.arg NOT LIKE '-%' AND b.arg <> '*****'
GROUP BY a.command, a.arg, b.arg ORDER BY a.command, option_name, runs DESC, option_value"""),
    Question("platforms", "Platforms",
             "Installs, runs and failed runs per operating system and CPU architecture.", """
SELECT os, arch, COUNT(DISTINCT install_id) AS installs, COUNT(*) AS runs, SUM(failed) AS failures
FROM runs GROUP BY os, arch ORDER BY runs DESC, os, arch"""),
    Question("commands_by_platform", "Usage by platform",
             "Runs per command on each operating system: does usage differ by platform?", """
SELECT os, command, COUNT(*) AS runs FROM runs GROUP BY os, command ORDER BY os, runs DESC, command"""),
    Question("versions_in_use", "Versions in use",
             "Each install counted once, at the version of its latest run, by install channel: who is on old versions, and how they installed.", """
WITH ranked AS (
  SELECT install_id, version, channel,
         ROW_NUMBER() OVER (PARTITION BY install_id ORDER BY ts_ns DESC, run_id DESC) AS rn
  FROM runs)
SELECT version, channel, COUNT(*) AS installs FROM ranked WHERE rn = 1
GROUP BY version, channel ORDER BY version DESC, channel"""),
    Question("feature_adoption", "Feature adoption",
             "Per declared feature: installs active since its first use anywhere (launch), installs that used it, "
             "and the median whole days from launch (or the install's first run, if later) to its first use.", """
WITH launch AS (SELECT feature, MIN(ts_s) AS launch_s FROM run_features GROUP BY feature),
first_seen AS (SELECT install_id, MIN(ts_s) AS first_s FROM runs GROUP BY install_id),
first_use AS (SELECT feature, install_id, MIN(ts_s) AS use_s FROM run_features GROUP BY feature, install_id),
eligible AS (SELECT w.feature AS feature, COUNT(DISTINCT a.install_id) AS eligible_installs
             FROM launch AS w CROSS JOIN runs AS a WHERE a.ts_s >= w.launch_s GROUP BY w.feature),
delays AS (SELECT u.feature AS feature, FLOOR((u.use_s - GREATEST(l.launch_s, s.first_s)) / 86400) AS days
        FROM first_use AS u JOIN launch AS l ON u.feature = l.feature
        JOIN first_seen AS s ON u.install_id = s.install_id),
ranked AS (SELECT feature, days, ROW_NUMBER() OVER (PARTITION BY feature ORDER BY days) AS rn,
                  COUNT(*) OVER (PARTITION BY feature) AS n FROM delays)
SELECT e.feature, e.eligible_installs, k.n AS adopting_installs, k.days AS median_days_to_adopt
FROM eligible AS e JOIN ranked AS k ON e.feature = k.feature
WHERE k.rn = CEIL(0.5 * k.n) ORDER BY e.feature"""),
    Question("errors_by_day", "Failures",
             "Failed runs (exit code not 0) per day, command and error type.", """
SELECT day_idx, command, error_type, COUNT(*) AS failures
FROM runs WHERE failed = 1 GROUP BY day_idx, command, error_type
ORDER BY day_idx, command, error_type"""),
    Question("error_spikes", "Error spikes",
             "Days on which a command failed at least 5 times and at more than 3 times its usual failure rate.", """
WITH daily AS (SELECT command, day_idx, COUNT(*) AS runs, SUM(failed) AS failures
               FROM runs GROUP BY command, day_idx),
base AS (SELECT command, COUNT(*) AS all_runs, SUM(failed) AS all_failures FROM runs GROUP BY command)
SELECT d.command, d.day_idx, d.runs, d.failures
FROM daily AS d JOIN base AS b ON d.command = b.command
WHERE d.failures >= 5 AND d.failures * b.all_runs > 3 * b.all_failures * d.runs
ORDER BY d.day_idx, d.command"""),
    Question("error_parameters", "Failures by parameter",
             "Which options the failed runs used, per command and error type.", """
SELECT command, error_type, option_name, COUNT(*) AS failures
FROM run_options WHERE failed = 1 GROUP BY command, error_type, option_name
ORDER BY failures DESC, command, error_type, option_name"""),
    Question("ci_share", "Share of runs in CI",
             "Runs per week, and how many ran in a CI system.", """
SELECT week_idx, COUNT(*) AS runs, SUM(ci) AS ci_runs
FROM runs GROUP BY week_idx ORDER BY week_idx"""),
    Question("ci_vendors", "CI systems", "Runs per CI system.", """
SELECT ci_vendor, COUNT(*) AS runs FROM runs WHERE ci = 1 GROUP BY ci_vendor ORDER BY runs DESC, ci_vendor"""),
    Question("sources", "Source", "Installs and runs by how the tool was invoked (CLI or an IDE extension).", """
SELECT source, COUNT(DISTINCT install_id) AS installs, COUNT(*) AS runs
FROM runs GROUP BY source ORDER BY runs DESC, source"""),
    Question("retention", "Weekly retention",
             "Installs by cohort (week first seen) still active N weeks later.", """
WITH firsts AS (SELECT install_id, MIN(week_idx) AS cohort_week FROM runs GROUP BY install_id),
activity AS (SELECT DISTINCT install_id, week_idx FROM runs)
SELECT f.cohort_week, a.week_idx - f.cohort_week AS week_offset, COUNT(*) AS installs
FROM activity AS a JOIN firsts AS f ON a.install_id = f.install_id
GROUP BY f.cohort_week, a.week_idx - f.cohort_week ORDER BY f.cohort_week, week_offset"""),
    Question("duration_percentiles", "Duration by command and version",
             "p50 and p95 run time in milliseconds (nearest rank) per command and version.", f"""
WITH ranked AS (
  SELECT command, version, duration_ms,
         ROW_NUMBER() OVER (PARTITION BY command, version ORDER BY duration_ms, run_id) AS rn,
         COUNT(*) OVER (PARTITION BY command, version) AS n
  FROM runs)
SELECT command, version, MAX(n) AS runs, {_nearest_rank(0.5)} AS p50_ms, {_nearest_rank(0.95)} AS p95_ms
FROM ranked GROUP BY command, version ORDER BY command, version"""),
    Question("release_health", "Release health",
             "Per version, as in Sentry's release health: crash-free runs (no panic event) and installs, "
             "and abandoned-free runs (error.type `abandoned` or `canceled`: Ctrl-C).", """
SELECT version, COUNT(*) AS runs, SUM(crashed) AS crashed_runs, SUM(abandoned) AS abandoned_runs,
       COUNT(DISTINCT install_id) AS installs,
       COUNT(DISTINCT CASE WHEN crashed = 1 THEN install_id END) AS crashed_installs,
       1 - SUM(crashed) / COUNT(*) AS crash_free_rate,
       1 - SUM(abandoned) / COUNT(*) AS abandoned_free_rate
FROM runs GROUP BY version ORDER BY version DESC"""),
]

BY_NAME = {q.name: q for q in QUESTIONS}
