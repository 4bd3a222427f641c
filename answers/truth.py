"""Each question answered in plain Python from the generator's records: the ground
truth the SQL on both engines must equal. Written from the questions' meaning, not
from their SQL."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

DAY = 86_400


def _day(r):
    return r["start_ns"] // (DAY * 10**9)


def _week(r):
    return (_day(r) + 3) // 7


def _failed(r):
    return r["exit_code"] != 0


def _nearest(values, q):
    values = sorted(values)
    return values[math.ceil(q * len(values)) - 1]


def _group(runs, key):
    out = defaultdict(list)
    for r in runs:
        out[key(r)].append(r)
    return out


def answers(runs: list[dict]) -> dict[str, list[tuple]]:
    """question name -> rows (order as the question's ORDER BY is not checked)."""
    t = {}
    t["daily_active_installs"] = [(d, len({r["install_id"] for r in g}), len(g))
                                  for d, g in _group(runs, _day).items()]
    first_week = {}
    for r in runs:
        first_week[r["install_id"]] = min(first_week.get(r["install_id"], 10**9), _week(r))
    newcomers = Counter(first_week.values())
    t["weekly_growth"] = [(w, len({r["install_id"] for r in g}), newcomers.get(w, 0))
                          for w, g in _group(runs, _week).items()]
    t["top_commands"] = [(c, len(g), len({r["install_id"] for r in g}))
                         for c, g in _group(runs, lambda r: r["command"]).items()]
    t["option_use"] = [(c, o, n) for (c, o), n in
                       Counter((r["command"], o) for r in runs for o in r["options"]).items()]
    values = Counter()
    for r in runs:
        a = r["args"]
        for i in range(len(a) - 1):
            if a[i].startswith("-") and not a[i + 1].startswith("-") and a[i + 1] != "*****":
                values[(r["command"], a[i], a[i + 1])] += 1
    t["option_values"] = [(*k, n) for k, n in values.items()]
    t["platforms"] = [(o, a, len({r["install_id"] for r in g}), len(g), sum(map(_failed, g)))
                      for (o, a), g in _group(runs, lambda r: (r["os"], r["arch"])).items()]
    t["commands_by_platform"] = [(*k, n) for k, n in Counter((r["os"], r["command"]) for r in runs).items()]
    latest = {}
    for r in runs:
        k = (r["start_ns"], r["span_id"])
        if r["install_id"] not in latest or k > latest[r["install_id"]][0]:
            latest[r["install_id"]] = (k, r)
    t["versions_in_use"] = [(*k, n) for k, n in
                            Counter((r["version"], r["channel"]) for _, r in latest.values()).items()]
    t["feature_adoption"] = _adoption(runs)
    t["errors_by_day"] = [(*k, n) for k, n in
                          Counter((_day(r), r["command"], r["error_type"]) for r in runs if _failed(r)).items()]
    t["error_spikes"] = _spikes(runs)
    t["error_parameters"] = [(*k, n) for k, n in Counter(
        (r["command"], r["error_type"], o) for r in runs if _failed(r) for o in r["options"]).items()]
    t["ci_share"] = [(w, len(g), sum(r["ci"] for r in g)) for w, g in _group(runs, _week).items()]
    t["ci_vendors"] = [(v, n) for v, n in Counter(r["ci_vendor"] for r in runs if r["ci"]).items()]
    t["sources"] = [(s, len({r["install_id"] for r in g}), len(g))
                    for s, g in _group(runs, lambda r: r["source"]).items()]
    active = {(r["install_id"], _week(r)) for r in runs}
    t["retention"] = [(*k, n) for k, n in
                      Counter((first_week[i], w - first_week[i]) for i, w in active).items()]
    t["duration_percentiles"] = [
        (c, v, len(g), _nearest([r["duration_ns"] / 1e6 for r in g], 0.5),
         _nearest([r["duration_ns"] / 1e6 for r in g], 0.95))
        for (c, v), g in _group(runs, lambda r: (r["command"], r["version"])).items()]
    t["release_health"] = [_health(v, g) for v, g in _group(runs, lambda r: r["version"]).items()]
    return t


def _adoption(runs):
    launch, first_seen, first_use = {}, {}, {}
    for r in runs:
        s = r["start_ns"] // 10**9
        first_seen[r["install_id"]] = min(first_seen.get(r["install_id"], s), s)
        for f in r["features"]:
            launch[f] = min(launch.get(f, s), s)
            k = (f, r["install_id"])
            first_use[k] = min(first_use.get(k, s), s)
    rows = []
    for f, at in launch.items():
        eligible = len({r["install_id"] for r in runs if r["start_ns"] // 10**9 >= at})
        days = [(s - max(at, first_seen[i])) // DAY for (g, i), s in first_use.items() if g == f]
        rows.append((f, eligible, len(days), _nearest(days, 0.5)))
    return rows


def _spikes(runs):
    base = {c: (len(g), sum(map(_failed, g))) for c, g in _group(runs, lambda r: r["command"]).items()}
    rows = []
    for (c, d), g in _group(runs, lambda r: (r["command"], _day(r))).items():
        n, f = len(g), sum(map(_failed, g))
        all_runs, all_failures = base[c]
        if f >= 5 and f * all_runs > 3 * all_failures * n:
            rows.append((c, d, n, f))
    return rows


def _health(version, g):
    crashed = [r for r in g if r["panicked"]]
    abandoned = sum(r["error_type"] in ("abandoned", "canceled") for r in g)
    return (version, len(g), len(crashed), abandoned, len({r["install_id"] for r in g}),
            len({r["install_id"] for r in crashed}), 1 - len(crashed) / len(g), 1 - abandoned / len(g))
