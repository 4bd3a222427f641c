"""Comparing answers across engines and against the truth: same rows, in any order;
integers exactly, fractions to 1e-12 (engines may round the last bit differently)."""

from __future__ import annotations

import math
from decimal import Decimal


def _norm(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (float, Decimal)):
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def normalize(rows) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in row) for row in rows), key=repr)


def same(a, b) -> bool:
    """Whether two row sets are equal under the rules above."""
    a, b = normalize(a), normalize(b)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y):
            if isinstance(u, float) or isinstance(v, float):
                if not math.isclose(float(u), float(v), rel_tol=1e-12, abs_tol=1e-12):
                    return False
            elif u != v:
                return False
    return True
