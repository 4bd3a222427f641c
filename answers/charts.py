"""One Vega-Lite chart (built with Altair) per question; the report inlines them."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

EPOCH = dt.date(1970, 1, 1)


def day(idx) -> str:
    return (EPOCH + dt.timedelta(days=int(idx))).isoformat()


def week(idx) -> str:
    """The Monday that starts week `idx` (weeks counted from 1969-12-29)."""
    return day(int(idx) * 7 - 3)


def _frame(cols, rows) -> pd.DataFrame:
    df = pd.DataFrame([list(r) for r in rows], columns=cols)
    if "day_idx" in df:
        df["day"] = df["day_idx"].map(day)
    if "week_idx" in df:
        df["week"] = df["week_idx"].map(week)
    if "cohort_week" in df:
        df["cohort"] = df["cohort_week"].map(week)
    return df


def _size(chart: alt.Chart, width=360, height=220) -> alt.Chart:
    return chart.properties(width=width, height=height)


def _bar(df, x, y, color=None, tooltip=None):
    enc = {"x": alt.X(x, sort="-y") if ":N" in x else alt.X(x), "y": y}
    if color:
        enc["color"] = color
    return _size(alt.Chart(df).mark_bar().encode(**enc, tooltip=tooltip or list(df.columns)))


def build(name: str, cols, rows) -> alt.Chart:
    """The chart for one question's result."""
    df = _frame(cols, rows)
    T = list(df.columns)
    if name == "daily_active_installs":
        return _size(alt.Chart(df).mark_line(point=True).encode(x="day:T", y="installs:Q", tooltip=T))
    if name == "weekly_growth":
        long = df.melt(id_vars=["week"], value_vars=["active_installs", "new_installs"], var_name="kind", value_name="installs")
        return _size(alt.Chart(long).mark_bar().encode(x="week:O", y="installs:Q", xOffset="kind:N", color="kind:N", tooltip=list(long.columns)))
    if name == "top_commands":
        return _bar(df, "command:N", "runs:Q")
    if name == "option_use":
        df["option"] = df["command"] + " " + df["option_name"]
        return _bar(df, "option:N", "runs:Q", "command:N")
    if name == "option_values":
        df["value"] = df["command"] + " " + df["option_name"] + " " + df["option_value"]
        return _bar(df, "value:N", "runs:Q", "option_name:N")
    if name == "platforms":
        return _bar(df, "os:N", "runs:Q", "arch:N")
    if name == "commands_by_platform":
        return _size(alt.Chart(df).mark_bar().encode(x="os:N", y=alt.Y("runs:Q", stack="normalize", title="share of runs"), color="command:N", tooltip=T))
    if name == "versions_in_use":
        return _bar(df, "version:O", "installs:Q", "channel:N")
    if name == "feature_adoption":
        df["share"] = df["adopting_installs"] / df["eligible_installs"]
        return _bar(df, "feature:N", alt.Y("share:Q", axis=alt.Axis(format="%"), title="installs that used it"), tooltip=list(df.columns))
    if name == "errors_by_day":
        return _size(alt.Chart(df).mark_bar().encode(x="day:T", y="sum(failures):Q", color="error_type:N", tooltip=T), width=400)
    if name == "error_spikes":
        return _bar(df, "day:O", "failures:Q", "command:N")
    if name == "error_parameters":
        df["what"] = df["command"] + " " + df["error_type"] + " " + df["option_name"]
        return _bar(df, "what:N", "failures:Q", "error_type:N")
    if name == "ci_share":
        df["ci_share"] = df["ci_runs"] / df["runs"]
        return _size(alt.Chart(df).mark_line(point=True).encode(x="week:O", y=alt.Y("ci_share:Q", axis=alt.Axis(format="%")), tooltip=list(df.columns)))
    if name == "ci_vendors":
        return _bar(df, "ci_vendor:N", "runs:Q")
    if name == "identities":
        long = df.melt(id_vars=["week"], value_vars=["installs", "ci_identities"], var_name="identity", value_name="ids")
        return _size(alt.Chart(long).mark_bar().encode(x="week:O", y=alt.Y("ids:Q", title="distinct ids"), xOffset="identity:N",
                                                       color="identity:N", tooltip=list(long.columns)))
    if name == "agents_and_pipes":
        df["output"] = df["stdout_terminal"].map({1: "terminal", 0: "pipe or file"})
        return _bar(df, "agent:N", "runs:Q", "output:N")
    if name == "sources":
        return _bar(df, "source:N", "runs:Q")
    if name == "retention":
        return _size(alt.Chart(df).mark_rect().encode(x="week_offset:O", y="cohort:O", color="installs:Q", tooltip=T))
    if name == "duration_percentiles":
        long = df.melt(id_vars=["command", "version"], value_vars=["p50_ms", "p95_ms"], var_name="percentile", value_name="ms")
        long["command_version"] = long["command"] + " " + long["version"]
        return _size(alt.Chart(long).mark_bar().encode(x=alt.X("command_version:N", title="command version"), y="ms:Q", xOffset="percentile:N", color="percentile:N", tooltip=list(long.columns)), width=400)
    if name == "release_health":
        long = df.melt(id_vars=["version"], value_vars=["crash_free_rate", "abandoned_free_rate"], var_name="rate", value_name="value")
        return _size(alt.Chart(long).mark_bar().encode(x="version:O", y=alt.Y("value:Q", scale=alt.Scale(zero=False), axis=alt.Axis(format=".1%")), xOffset="rate:N", color="rate:N", tooltip=list(long.columns)))
    raise KeyError(name)
