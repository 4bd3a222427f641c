"""Each question answered in plain Python from the generator's records: the ground
truth the SQL on both engines must equal. Written from the questions' meaning, not
from their SQL.

A record's `weight` (absent: 1) is how many runs it stands for when the records are a
sample (`generate.sample`): runs count their weights, an install counts its weight once
per group (the smallest among its runs there), and percentiles are weighted nearest
rank. Over unsampled records every answer is the plain count."""

from __future__ import annotations

import math
from collections import defaultdict

DAY = 86_400


def _day(r):
    return r["start_ns"] // (DAY * 10**9)


def _week(r):
    return (_day(r) + 3) // 7


def _failed(r):
    # A run failed when its exit code is not a declared success: consentry then sets
    # error.type (an exit code of 1 the tool declared a success carries none).
    return r["error_type"] != ""


def _w(r):
    return r.get("weight", 1)


def _nearest(pairs, q):
    """Weighted nearest rank of (value, weight) pairs: the smallest value whose running
    sum of weights reaches q times the total (the value at rank ceil(q * n) when every
    weight is 1)."""
    pairs = sorted(pairs)
    total = sum(w for _, w in pairs)
    cum = 0.0
    for v, w in pairs:
        cum += w
        if cum >= q * total:
            return v
    return pairs[-1][0]


def _runs(g):
    return sum(map(_w, g))


def _installs(g):
    """Each distinct install once, with the smallest weight of its runs in `g`. A run
    without an install id (the tool chose none) is no install."""
    w = {}
    for r in _with_id(g):
        w[r["install_id"]] = min(w.get(r["install_id"], math.inf), _w(r))
    return sum(w.values())


def _with_id(g):
    return [r for r in g if r["install_id"]]


def _group(runs, key):
    out = defaultdict(list)
    for r in runs:
        out[key(r)].append(r)
    return out


def answers(runs: list[dict]) -> dict[str, list[tuple]]:
    """question name -> rows (order as the question's ORDER BY is not checked)."""
    t = {}
    t["daily_active_installs"] = [(d, _installs(g), _runs(g)) for d, g in _group(runs, _day).items()]
    first_week, install_w = {}, {}
    for r in _with_id(runs):
        first_week[r["install_id"]] = min(first_week.get(r["install_id"], 10**9), _week(r))
        install_w[r["install_id"]] = min(install_w.get(r["install_id"], math.inf), _w(r))
    newcomers = defaultdict(int)
    for i, w in first_week.items():
        newcomers[w] += install_w[i]
    t["weekly_growth"] = [(w, _installs(g), newcomers.get(w, 0)) for w, g in _group(runs, _week).items()]
    t["top_commands"] = [(c, _runs(g), _installs(g)) for c, g in _group(runs, lambda r: r["command"]).items()]
    t["option_use"] = [(*k, n) for k, n in _weighted(
        ((r["command"], o), _w(r)) for r in runs for o in r["options"]).items()]
    values = defaultdict(int)
    for r in runs:
        a = r["args"]
        for i in range(len(a) - 1):
            if a[i].startswith("-") and not a[i + 1].startswith("-") and a[i + 1] != "*****":
                values[(r["command"], a[i], a[i + 1])] += _w(r)
    t["option_values"] = [(*k, n) for k, n in values.items()]
    t["platforms"] = [(o, a, _installs(g), _runs(g), _runs([r for r in g if _failed(r)]))
                      for (o, a), g in _group(runs, lambda r: (r["os"], r["arch"])).items()]
    t["commands_by_platform"] = [(*k, _runs(g)) for k, g in _group(runs, lambda r: (r["os"], r["command"])).items()]
    latest = {}
    for r in _with_id(runs):
        k = (r["start_ns"], r["span_id"])
        if r["install_id"] not in latest or k > latest[r["install_id"]][0]:
            latest[r["install_id"]] = (k, r)
    t["versions_in_use"] = [(*k, _runs(g)) for k, g in
                            _group([r for _, r in latest.values()], lambda r: (r["version"], r["channel"])).items()]
    t["feature_adoption"] = _adoption(runs)
    t["errors_by_day"] = [(*k, _runs(g)) for k, g in
                          _group([r for r in runs if _failed(r)], lambda r: (_day(r), r["command"], r["error_type"])).items()]
    t["error_spikes"] = _spikes(runs)
    t["error_parameters"] = [(*k, n) for k, n in _weighted(
        ((r["command"], r["error_type"], o), _w(r)) for r in runs if _failed(r) for o in r["options"]).items()]
    t["ci_share"] = [(w, _runs(g), _runs([r for r in g if r["ci"]])) for w, g in _group(runs, _week).items()]
    t["ci_vendors"] = [(v, _runs(g)) for v, g in _group([r for r in runs if r["ci"]], lambda r: r["ci_vendor"]).items()]
    t["identities"] = [
        (w, _installs([r for r in g if not r["ci"]]), _installs([r for r in g if r["ci"]]),
         _runs([r for r in g if r["ci"]]), _runs([r for r in g if not r["install_id"]]))
        for w, g in _group(runs, _week).items()]
    t["agents_and_pipes"] = [(a, int(tty), _installs(g), _runs(g)) for (a, tty), g in
                             _group(runs, lambda r: (r["agent"], r["stdout_terminal"])).items()]
    t["sources"] = [(s, _installs(g), _runs(g)) for s, g in _group(runs, lambda r: r["source"]).items()]
    active = {}
    for r in _with_id(runs):
        k = (r["install_id"], _week(r))
        active[k] = min(active.get(k, math.inf), _w(r))
    t["retention"] = [(*k, n) for k, n in _weighted(
        ((first_week[i], w - first_week[i]), weight) for (i, w), weight in active.items()).items()]
    t["duration_percentiles"] = [
        (c, v, _runs(g), _nearest([(r["duration_ns"] / 1e6, _w(r)) for r in g], 0.5),
         _nearest([(r["duration_ns"] / 1e6, _w(r)) for r in g], 0.95))
        for (c, v), g in _group(runs, lambda r: (r["command"], r["version"])).items()]
    t["release_health"] = [_health(v, g) for v, g in _group(runs, lambda r: r["version"]).items()]
    return t


def _weighted(pairs):
    out = defaultdict(int)
    for k, w in pairs:
        out[k] += w
    return out


def _adoption(runs):
    launch, first_seen, first_use = {}, {}, {}
    for r in runs:
        s = r["start_ns"] // 10**9
        for f in r["features"]:
            launch[f] = min(launch.get(f, s), s)
        if not r["install_id"]:
            continue
        first_seen[r["install_id"]] = min(first_seen.get(r["install_id"], s), s)
        for f in r["features"]:
            k = (f, r["install_id"])
            at, w = first_use.get(k, (s, math.inf))
            first_use[k] = (min(at, s), min(w, _w(r)))
    rows = []
    for f, at in launch.items():
        eligible = _installs([r for r in runs if r["start_ns"] // 10**9 >= at])
        days = [((s - max(at, first_seen[i])) // DAY, w) for (g, i), (s, w) in first_use.items() if g == f]
        rows.append((f, eligible, sum(w for _, w in days), _nearest(days, 0.5)))
    return rows


def _spikes(runs):
    base = {c: (_runs(g), _runs([r for r in g if _failed(r)])) for c, g in _group(runs, lambda r: r["command"]).items()}
    rows = []
    for (c, d), g in _group(runs, lambda r: (r["command"], _day(r))).items():
        n, f = _runs(g), _runs([r for r in g if _failed(r)])
        all_runs, all_failures = base[c]
        if f >= 5 and f * all_runs > 3 * all_failures * n:
            rows.append((c, d, n, f))
    return rows


def _health(version, g):
    crashed = [r for r in g if r["panicked"]]
    abandoned = [r for r in g if r["error_type"] in ("abandoned", "canceled")]
    runs = _runs(g)
    per_install = {}
    for r in _with_id(g):
        w, c = per_install.get(r["install_id"], (math.inf, False))
        per_install[r["install_id"]] = (min(w, _w(r)), c or r["panicked"])
    crashed_installs = sum(w for w, c in per_install.values() if c)
    return (version, runs, _runs(crashed), _runs(abandoned), _installs(g),
            crashed_installs, 1 - _runs(crashed) / runs, 1 - _runs(abandoned) / runs)
