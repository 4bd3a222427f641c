"""Answers from a sample (a tool built `with_sampling(rate)`) estimate the whole
population without bias: at 10 % and at 1 %, every question's SQL answer on both
engines equals the weighted truth of the sample exactly, and is within a tolerance
derived from the sample itself of the generator's full, unsampled truth; and over many
draws the estimates average to the truth, where unweighted counts would not."""

from __future__ import annotations

import json
import math
from collections import defaultdict

import pytest

from answers import compare, engines, generate, otlp, table, truth
from answers.questions import BY_NAME, QUESTIONS

# Large enough that 1 % is about 50 installs; generating it and its truth takes ~8 s.
POPULATION = generate.Settings(seed=23, installs=5000, days=70)

# Per question: how many leading columns are the group's key, and how each value
# column is checked. "sum": a total over installs (runs, installs, failures), checked
# within Z standard errors of a Horvitz-Thompson estimate; "ratio": 1 - a ratio of two
# such totals (the columns named); "quantile": a weighted nearest-rank value (q).
SUM, Z = "sum", 5.0
CHECKS = {
    "daily_active_installs": (1, [SUM, SUM]),
    "weekly_growth": (1, [SUM, SUM]),
    "top_commands": (1, [SUM, SUM]),
    "option_use": (2, [SUM]),
    "option_values": (3, [SUM]),
    "platforms": (2, [SUM, SUM, SUM]),
    "commands_by_platform": (2, [SUM]),
    "versions_in_use": (2, [SUM]),
    "feature_adoption": (1, [SUM, SUM, ("quantile", 0.5)]),
    "errors_by_day": (3, [SUM]),
    # A spike is a threshold on estimates, not a total: checked by finding one.
    "error_spikes": (2, []),
    "error_parameters": (3, [SUM]),
    "ci_share": (1, [SUM, SUM]),
    "ci_vendors": (1, [SUM]),
    "identities": (1, [SUM, SUM, SUM, SUM]),
    "agents_and_pipes": (2, [SUM, SUM]),
    "sources": (1, [SUM, SUM]),
    "retention": (2, [SUM]),
    "duration_percentiles": (2, [SUM, ("quantile", 0.5), ("quantile", 0.95)]),
    "release_health": (1, [SUM, SUM, SUM, SUM, SUM, ("ratio", 1, 0), ("ratio", 2, 0)]),
}


@pytest.fixture(scope="module")
def population():
    runs = generate.runs(POPULATION)
    return runs, truth.answers(runs)


def _by_install(runs):
    out = defaultdict(list)
    for r in runs:
        out[r["install_id"]].append(r)
    return out


def _keyed(rows, nkey):
    return {tuple(r[:nkey]): tuple(r[nkey:]) for r in compare.normalize(rows)}


def _contributions(sampled):
    """Each sampled install's own answers (unweighted): its term y_i in every total a
    question sums over installs."""
    unweighted = [{k: v for k, v in r.items() if k != "weight"} for r in sampled]
    return [truth.answers(runs) for runs in _by_install(unweighted).values()]


def _se(terms, rate, typical):
    """Standard error of a Horvitz-Thompson total from the sampled terms y_i (Bernoulli
    sampling of installs at `rate`): sqrt((1 - p) / p^2 * sum y_i^2). A group with few
    sampled installs underestimates its own spread (two installs seen where twenty
    were expected look precise, none seen looks exact), so Z^2 installs of a typical
    term of the column are added, as Wilson's interval does for a proportion; with
    many installs this changes little."""
    return math.sqrt((1 - rate) / rate**2 * (sum(y * y for y in terms) + Z * Z * typical * typical))


def _typical(contribs, col):
    """The mean nonzero term of a column over every group."""
    terms = [abs(c[k][col]) for c in contribs for k in c if len(c[k]) > col and c[k][col]]
    return sum(terms) / len(terms) if terms else 0.0


def _check_question(name, est_rows, true_rows, contribs, rate, population_runs):
    nkey, kinds = CHECKS[name]
    est, tru = _keyed(est_rows, nkey), _keyed(true_rows, nkey)
    problems = []
    if name == "error_spikes":
        # The sample must find one of the true spikes.
        assert set(est) & set(tru), (name, sorted(est), sorted(tru))
    else:
        assert set(est) <= set(tru), (name, "groups the population does not have")
    for col, kind in enumerate(kinds):
        typical = _typical(contribs, col if kind == SUM or kind[0] != "ratio" else kind[1])
        # The column's total over all groups: groups the sample missed still count here.
        if kind == SUM and name != "error_spikes":
            total_est = sum(v[col] for v in est.values())
            total_true = sum(v[col] for v in tru.values())
            se = _se([sum(c[k][col] for k in c) for c in contribs], rate, typical)
            if abs(total_est - total_true) > Z * se:
                problems.append((name, "total", col, total_est, total_true, se))
        for key in set(est) & set(tru):
            e, t = est[key][col], tru[key][col]
            if kind == SUM:
                se = _se([c[key][col] for c in contribs if key in c], rate, typical)
                ok = abs(e - t) <= Z * se
            elif kind[0] == "ratio":
                num, den = kind[1], kind[2]
                x_hat = est[key][den]
                r_hat = est[key][num] / x_hat
                resid = [c[key][num] - r_hat * c[key][den] for c in contribs if key in c]
                se = _se(resid, rate, typical) / x_hat
                ok = abs(e - t) <= Z * se + 1e-12
            else:
                # The estimate lies between the population's quantiles at q -/+ Z
                # binomial standard errors of a proportion from the installs sampled.
                q = kind[1]
                m = sum(1 for c in contribs if key in c)
                d = Z * math.sqrt(q * (1 - q) / max(m, 1))
                lo, hi = _population_quantiles(name, key, population_runs, max(q - d, 0.0), min(q + d, 1.0))
                se = (lo, hi)
                ok = lo <= e <= hi
            if not ok:
                problems.append((name, key, col, e, t, se))
    return problems


def _population_quantiles(name, key, runs, q_lo, q_hi):
    if name == "duration_percentiles":
        values = sorted(r["duration_ns"] / 1e6 for r in runs if (r["command"], r["version"]) == key)
    else:  # feature_adoption: whole days from launch to each install's first use
        feature = key[0]
        launch = min(r["start_ns"] // 10**9 for r in runs if feature in r["features"])
        first_seen, first_use = {}, {}
        for r in runs:
            s = r["start_ns"] // 10**9
            first_seen[r["install_id"]] = min(first_seen.get(r["install_id"], s), s)
            if feature in r["features"]:
                first_use[r["install_id"]] = min(first_use.get(r["install_id"], s), s)
        values = sorted((s - max(launch, first_seen[i])) // 86_400 for i, s in first_use.items())
    n = len(values)
    return values[max(math.ceil(q_lo * n) - 1, 0)], values[min(math.ceil(q_hi * n), n) - 1]


@pytest.mark.parametrize("rate", [0.1, 0.01], ids=["10pct", "1pct"])
def test_every_answer_from_a_sample_estimates_the_population(population, rate):
    runs, full = population
    sampled = generate.sample(runs, rate, seed=1)
    installs = len({r["install_id"] for r in sampled})
    assert 0.5 * rate * POPULATION.installs < installs < 1.5 * rate * POPULATION.installs
    estimate = truth.answers(sampled)
    # The SQL on both engines is exactly the weighted truth of the sample, so what
    # holds for the latter below holds for the operator's answers.
    rows, skipped = otlp.read_lines(generate.otlp_lines(sampled))
    assert skipped.total() == 0 and len(rows) == len(sampled)
    arrow = table.to_arrow(rows)
    for name in ("duckdb", "chdb"):
        eng = engines.engine(name)
        eng.load(arrow)
        got = engines.answer_all(eng)
        eng.close()
        for q in QUESTIONS:
            assert compare.same(got[q.name][1], estimate[q.name]), (name, q.name)
    problems = []
    per_install = _contributions(sampled)
    for q in QUESTIONS:
        nkey, _ = CHECKS[q.name]
        contribs = [_keyed(a[q.name], nkey) for a in per_install]
        problems += _check_question(q.name, estimate[q.name], full[q.name], contribs, rate, runs)
    assert not problems, problems[:10]


def _totals(answers):
    """Population totals a product owner reads first."""
    return {
        "installs": sum(r[1] for r in answers["sources"]),
        "runs": sum(r[2] for r in answers["sources"]),
        "failures": sum(r[-1] for r in answers["errors_by_day"]),
        "installs_on_latest": sum(r[2] for r in answers["versions_in_use"] if r[0] == "1.2.0"),
        "returning_installs": sum(r[2] for r in answers["retention"] if r[1] >= 1),
    }


def test_weighted_answers_are_unbiased_and_unweighted_ones_are_not(population):
    runs, full = population
    rate, draws = 0.1, 12
    truth_totals = _totals(full)
    weighted, unweighted = defaultdict(list), defaultdict(list)
    spread = defaultdict(list)
    for seed in range(draws):
        sampled = generate.sample(runs, rate, seed=100 + seed)
        for k, v in _totals(truth.answers(sampled)).items():
            weighted[k].append(v)
            unweighted[k].append(v * rate)  # the same runs, each counted once
        for k in truth_totals:
            spread[k].append(weighted[k][-1])
    for k, t in truth_totals.items():
        mean = sum(weighted[k]) / draws
        sd = math.sqrt(sum((v - mean) ** 2 for v in spread[k]) / (draws - 1))
        tol = 4 * sd / math.sqrt(draws)
        assert abs(mean - t) <= tol, (k, mean, t, tol)
        raw = sum(unweighted[k]) / draws
        assert abs(raw - t) > tol, (k, "an unweighted count would pass too", raw, t, tol)


def test_the_report_says_when_its_answers_are_estimates(tmp_path):
    from answers import report

    runs = generate.runs(generate.Settings(seed=5, installs=200, days=30))
    for name, data, says in [("all", runs, "no sampling"),
                             ("sampled", generate.sample(runs, 0.1, seed=3), "Estimates from a sample")]:
        src = tmp_path / f"{name}.jsonl"
        src.write_text("\n".join(generate.otlp_lines(data)))
        report.build(str(src), str(tmp_path / f"{name}.html"))
        page = (tmp_path / f"{name}.html").read_text()
        assert says in page, name


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_a_weight_consentry_cannot_send_counts_once(engine):
    # A store fed without the gateway: only a weight in [1, 1e6] scales a count.
    runs = generate.runs(generate.Settings(seed=3, installs=40, days=10))[:7]
    weights = [{"doubleValue": 10.0}, {"doubleValue": "NaN"}, {"doubleValue": "Infinity"},
               {"doubleValue": 0.5}, {"doubleValue": 1e9}, {"stringValue": "ten"}, None]
    lines = []
    for r, w in zip(runs, weights):
        req = generate.span_request(r)
        if w is not None:
            req["resourceSpans"][0]["resource"]["attributes"].append({"key": "consentry.sample.weight", "value": w})
        lines.append(json.dumps(req))
    rows, skipped = otlp.read_lines(lines)
    assert skipped.total() == 0 and len(rows) == len(runs)
    eng = engines.engine(engine)
    eng.load(table.to_arrow(rows))
    _, got = eng.ask(BY_NAME["ci_share"])
    eng.close()
    assert sum(r[1] for r in got) == 10 + 6
