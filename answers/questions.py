"""The operator's questions, each defined once in DuckDB's SQL over the flat views
(`runs`, `run_options`, `run_args`, `run_features`; see `sql/views_*.sql`) and
transpiled to ClickHouse by SQLGlot. Percentiles are nearest-rank (the value at rank
ceil(q * n) in order), written with window functions so that both engines, and the
generator's ground truth, agree exactly.

Every count is weighted (Horvitz-Thompson) by `weight`, how many runs a run stands for
(`consentry.sample.weight`, 1 without sampling): runs are a sum of weights, and an
install counts once with its weight in each group it appears in (the smallest weight
among its runs there: an install drawn at the highest rate it ran with is the one that
was sent). Percentiles and medians are weighted nearest-rank: the smallest value whose
running sum of weights reaches q times the group's total (with every weight 1, the
value at rank ceil(q * n)). Without sampling every answer is the plain count.
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


def _weighted_rank(q: float, value: str) -> str:
    return f"MIN(CASE WHEN cum >= {q} * total THEN {value} END)"


QUESTIONS = [
    Question("daily_active_installs", "Users over time",
             "Distinct installs (random install ids) and runs per day.", """
WITH per AS (SELECT day_idx, install_id, MIN(weight * has_id) AS w, SUM(weight) AS n_runs
             FROM runs GROUP BY day_idx, install_id)
SELECT day_idx, SUM(w) AS installs, SUM(n_runs) AS runs FROM per GROUP BY day_idx ORDER BY day_idx"""),
    Question("weekly_growth", "Growth",
             "Per week (Monday start): installs active that week and installs seen for the first time.", """
WITH firsts AS (SELECT install_id, MIN(week_idx) AS first_week, MIN(weight) AS w FROM runs WHERE has_id = 1 GROUP BY install_id),
per AS (SELECT week_idx, install_id, MIN(weight) AS w FROM runs WHERE has_id = 1 GROUP BY week_idx, install_id),
active AS (SELECT week_idx, SUM(w) AS active_installs FROM per GROUP BY week_idx),
newcomers AS (SELECT first_week, SUM(w) AS new_installs FROM firsts GROUP BY first_week)
SELECT a.week_idx, a.active_installs, COALESCE(c.new_installs, 0) AS new_installs
FROM active AS a LEFT JOIN newcomers AS c ON a.week_idx = c.first_week
ORDER BY a.week_idx"""),
    Question("top_commands", "Most used commands",
             "Runs and distinct installs per command.", """
WITH per AS (SELECT command, install_id, MIN(weight * has_id) AS w, SUM(weight) AS n_runs
             FROM runs GROUP BY command, install_id)
SELECT command, SUM(n_runs) AS runs, SUM(w) AS installs
FROM per GROUP BY command ORDER BY runs DESC, command"""),
    Question("option_use", "Parameters used",
             "How often each option name is used with each command (values are never needed).", """
SELECT command, option_name, SUM(weight) AS runs
FROM run_options GROUP BY command, option_name ORDER BY command, runs DESC, option_name"""),
    Question("option_values", "Declared parameter values",
             "Values the tool declared safe to send (a value after an option that is not masked as *****).", """
SELECT a.command, a.arg AS option_name, b.arg AS option_value, SUM(a.weight) AS runs
FROM run_args AS a JOIN run_args AS b ON a.run_id = b.run_id AND b.pos = a.pos + 1
WHERE a.arg LIKE '-%' AND b.arg NOT LIKE '-%' AND b.arg <> '*****'
GROUP BY a.command, a.arg, b.arg ORDER BY a.command, option_name, runs DESC, option_value"""),
    Question("platforms", "Platforms",
             "Installs, runs and failed runs per operating system and CPU architecture.", """
WITH per AS (SELECT os, arch, install_id, MIN(weight * has_id) AS w, SUM(weight) AS n_runs, SUM(failed * weight) AS n_failures
             FROM runs GROUP BY os, arch, install_id)
SELECT os, arch, SUM(w) AS installs, SUM(n_runs) AS runs, SUM(n_failures) AS failures
FROM per GROUP BY os, arch ORDER BY runs DESC, os, arch"""),
    Question("commands_by_platform", "Usage by platform",
             "Runs per command on each operating system: does usage differ by platform?", """
SELECT os, command, SUM(weight) AS runs FROM runs GROUP BY os, command ORDER BY os, runs DESC, command"""),
    Question("versions_in_use", "Versions in use",
             "Each install counted once, at the version of its latest run, by install channel: who is on old versions, and how they installed.", """
WITH ranked AS (
  SELECT install_id, version, channel, weight,
         ROW_NUMBER() OVER (PARTITION BY install_id ORDER BY ts_ns DESC, run_id DESC) AS rn
  FROM runs WHERE has_id = 1)
SELECT version, channel, SUM(weight) AS installs FROM ranked WHERE rn = 1
GROUP BY version, channel ORDER BY version DESC, channel"""),
    Question("feature_adoption", "Feature adoption",
             "Per declared feature: installs active since its first use anywhere (launch), installs that used it, "
             "and the median whole days from launch (or the install's first run, if later) to its first use.", f"""
WITH launch AS (SELECT feature, MIN(ts_s) AS launch_s FROM run_features GROUP BY feature),
first_seen AS (SELECT install_id, MIN(ts_s) AS first_s FROM runs WHERE has_id = 1 GROUP BY install_id),
first_use AS (SELECT feature, install_id, MIN(ts_s) AS use_s, MIN(weight) AS w
              FROM run_features WHERE install_id <> '' GROUP BY feature, install_id),
eligible_per AS (SELECT w.feature AS feature, a.install_id AS install_id, MIN(a.weight) AS w
                 FROM launch AS w CROSS JOIN runs AS a WHERE a.ts_s >= w.launch_s AND a.has_id = 1
                 GROUP BY w.feature, a.install_id),
eligible AS (SELECT feature, SUM(w) AS eligible_installs FROM eligible_per GROUP BY feature),
delays AS (SELECT u.feature AS feature, u.install_id AS install_id, u.w AS w,
                  FLOOR((u.use_s - GREATEST(l.launch_s, s.first_s)) / 86400) AS days
        FROM first_use AS u JOIN launch AS l ON u.feature = l.feature
        JOIN first_seen AS s ON u.install_id = s.install_id),
ranked AS (SELECT feature, days, w,
                  SUM(w) OVER (PARTITION BY feature ORDER BY days, install_id ROWS UNBOUNDED PRECEDING) AS cum,
                  SUM(w) OVER (PARTITION BY feature) AS total FROM delays),
medians AS (SELECT feature, MAX(total) AS adopting_installs, {_weighted_rank(0.5, "days")} AS median_days_to_adopt
            FROM ranked GROUP BY feature)
SELECT e.feature, e.eligible_installs, k.adopting_installs, k.median_days_to_adopt
FROM eligible AS e JOIN medians AS k ON e.feature = k.feature ORDER BY e.feature"""),
    Question("errors_by_day", "Failures",
             "Failed runs (exit code not 0) per day, command and error type.", """
SELECT day_idx, command, error_type, SUM(weight) AS failures
FROM runs WHERE failed = 1 GROUP BY day_idx, command, error_type
ORDER BY day_idx, command, error_type"""),
    Question("error_spikes", "Error spikes",
             "Days on which a command failed at least 5 times and at more than 3 times its usual failure rate.", """
WITH daily AS (SELECT command, day_idx, SUM(weight) AS runs, SUM(failed * weight) AS failures
               FROM runs GROUP BY command, day_idx),
base AS (SELECT command, SUM(weight) AS all_runs, SUM(failed * weight) AS all_failures FROM runs GROUP BY command)
SELECT d.command, d.day_idx, d.runs, d.failures
FROM daily AS d JOIN base AS b ON d.command = b.command
WHERE d.failures >= 5 AND d.failures * b.all_runs > 3 * b.all_failures * d.runs
ORDER BY d.day_idx, d.command"""),
    Question("error_parameters", "Failures by parameter",
             "Which options the failed runs used, per command and error type.", """
SELECT command, error_type, option_name, SUM(weight) AS failures
FROM run_options WHERE failed = 1 GROUP BY command, error_type, option_name
ORDER BY failures DESC, command, error_type, option_name"""),
    Question("ci_share", "Share of runs in CI",
             "Runs per week, and how many ran in a CI system.", """
SELECT week_idx, SUM(weight) AS runs, SUM(ci * weight) AS ci_runs
FROM runs GROUP BY week_idx ORDER BY week_idx"""),
    Question("ci_vendors", "CI systems", "Runs per CI system.", """
SELECT ci_vendor, SUM(weight) AS runs FROM runs WHERE ci = 1 GROUP BY ci_vendor ORDER BY runs DESC, ci_vendor"""),
    Question("identities", "Who the runs come from",
             "Per week: installs outside CI (the users), CI identities (counted apart: one shared id per CI "
             "system), runs in CI, and runs without an install id (a tool that chose no id: counted in runs, "
             "never in installs, growth, retention, adoption or versions).", """
WITH per AS (SELECT week_idx, install_id, MAX(ci) AS in_ci, MIN(weight * has_id) AS w
             FROM runs GROUP BY week_idx, install_id),
ids AS (SELECT week_idx, SUM(w * (1 - in_ci)) AS installs, SUM(w * in_ci) AS ci_identities
        FROM per GROUP BY week_idx),
r AS (SELECT week_idx, SUM(weight * ci) AS ci_runs, SUM(weight * (1 - has_id)) AS runs_without_id
      FROM runs GROUP BY week_idx)
SELECT r.week_idx, i.installs, i.ci_identities, r.ci_runs, r.runs_without_id
FROM r JOIN ids AS i ON r.week_idx = i.week_idx ORDER BY r.week_idx"""),
    Question("agents_and_pipes", "Agents and pipes",
             "Installs and runs by the coding agent that ran the tool (empty: none named) and whether its "
             "output went to a terminal (0: a pipe or a file).", """
WITH per AS (SELECT agent, stdout_terminal, install_id, MIN(weight * has_id) AS w, SUM(weight) AS n_runs
             FROM runs GROUP BY agent, stdout_terminal, install_id)
SELECT agent, stdout_terminal, SUM(w) AS installs, SUM(n_runs) AS runs
FROM per GROUP BY agent, stdout_terminal ORDER BY runs DESC, agent, stdout_terminal"""),
    Question("sources", "Source", "Installs and runs by how the tool was invoked (CLI or an IDE extension).", """
WITH per AS (SELECT source, install_id, MIN(weight * has_id) AS w, SUM(weight) AS n_runs
             FROM runs GROUP BY source, install_id)
SELECT source, SUM(w) AS installs, SUM(n_runs) AS runs
FROM per GROUP BY source ORDER BY runs DESC, source"""),
    Question("retention", "Weekly retention",
             "Installs by cohort (week first seen) still active N weeks later.", """
WITH firsts AS (SELECT install_id, MIN(week_idx) AS cohort_week FROM runs WHERE has_id = 1 GROUP BY install_id),
activity AS (SELECT install_id, week_idx, MIN(weight) AS w FROM runs WHERE has_id = 1 GROUP BY install_id, week_idx)
SELECT f.cohort_week, a.week_idx - f.cohort_week AS week_offset, SUM(a.w) AS installs
FROM activity AS a JOIN firsts AS f ON a.install_id = f.install_id
GROUP BY f.cohort_week, a.week_idx - f.cohort_week ORDER BY f.cohort_week, week_offset"""),
    Question("duration_percentiles", "Duration by command and version",
             "p50 and p95 run time in milliseconds (weighted nearest rank) per command and version.", f"""
WITH ranked AS (
  SELECT command, version, duration_ms,
         SUM(weight) OVER (PARTITION BY command, version ORDER BY duration_ms, run_id ROWS UNBOUNDED PRECEDING) AS cum,
         SUM(weight) OVER (PARTITION BY command, version) AS total
  FROM runs)
SELECT command, version, MAX(total) AS runs, {_weighted_rank(0.5, "duration_ms")} AS p50_ms,
       {_weighted_rank(0.95, "duration_ms")} AS p95_ms
FROM ranked GROUP BY command, version ORDER BY command, version"""),
    Question("release_health", "Release health",
             "Per version, as in Sentry's release health: crash-free runs (no panic event) and installs, "
             "and abandoned-free runs (error.type `abandoned` or `canceled`: Ctrl-C).", """
WITH per AS (SELECT version, install_id, MIN(weight * has_id) AS w, MAX(crashed) AS crashed_install,
                    SUM(weight) AS n_runs, SUM(crashed * weight) AS n_crashed, SUM(abandoned * weight) AS n_abandoned
             FROM runs GROUP BY version, install_id)
SELECT version, SUM(n_runs) AS runs, SUM(n_crashed) AS crashed_runs, SUM(n_abandoned) AS abandoned_runs,
       SUM(w) AS installs, SUM(crashed_install * w) AS crashed_installs,
       1 - SUM(n_crashed) / SUM(n_runs) AS crash_free_rate,
       1 - SUM(n_abandoned) / SUM(n_runs) AS abandoned_free_rate
FROM per GROUP BY version ORDER BY version DESC"""),
]

BY_NAME = {q.name: q for q in QUESTIONS}
