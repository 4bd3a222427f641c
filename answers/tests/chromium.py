"""Headless Chromium for the report tests: the rendered DOM and a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser")


def binary() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("no headless Chromium on PATH: run .ci/install-deps.sh (chromium-headless-shell)")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    # virtual-time-budget lets the page's scripts (the chart rendering) finish before
    # the dump, without a wall-clock sleep.
    base = [binary(), "--no-sandbox", "--disable-gpu", "--headless", "--virtual-time-budget=20000",
            "--allow-file-access-from-files"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=180, check=True)


def dom(page: Path) -> str:
    return _run(["--dump-dom", page.resolve().as_uri()]).stdout


def screenshot(page: Path, out: Path, width=1200, height=1600) -> None:
    _run([f"--window-size={width},{height}", f"--screenshot={out}", page.resolve().as_uri()])
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError("Chromium wrote no screenshot")


def chart_div(page_dom: str, name: str) -> str:
    """The rendered markup of one question's chart."""
    m = re.search(rf'<div[^>]*id="chart-{name}"[^>]*>(.*?)</div>\s*<details', page_dom, re.S)
    assert m, f"chart-{name} missing"
    return m.group(0)


def mark_labels(page_dom: str, name: str) -> list[str]:
    """The aria-labels Vega puts on each mark (bar, point) of a chart."""
    return [l for l in re.findall(r'aria-label="([^"]*)"', chart_div(page_dom, name))
            if not l.startswith(("X-axis", "Y-axis", "Legend", "Color legend")) and ": " in l]


def table_cells(page_dom: str, name: str) -> list[list[str]]:
    m = re.search(rf'<table class="numbers" data-question="{name}">(.*?)</table>', page_dom, re.S)
    assert m, f"numbers of {name} missing"
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)
    return [re.findall(r"<td>(.*?)</td>", r, re.S) for r in rows[1:]]
