"""Checks as table rows: what was measured, against what, and whether it passes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    name: str
    got: float
    expected: float
    tolerance: float
    passed: bool

    @property
    def status(self) -> str:
        return "ok" if self.passed else "FAIL"


def close(name: str, got: float, expected: float, tolerance: float) -> Check:
    got, expected = float(got), float(expected)
    return Check(name, got, expected, tolerance, bool(np.isfinite(got)) and abs(got - expected) <= tolerance)


def close_all(name: str, got, expected, tolerance: float) -> list[Check]:
    got, expected = list(got), list(expected)
    if len(got) != len(expected):
        return [Check(f"{name} count", len(got), len(expected), 0, False)]
    return [close(f"{name}[{i}]", g, e, tolerance) for i, (g, e) in enumerate(zip(got, expected))]


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def at_least(name: str, got: float, minimum: float) -> Check:
    got = float(got)
    return Check(name, got, minimum, 0.0, bool(np.isfinite(got)) and got >= minimum)


def equal(name: str, got: str, expected: str) -> Check:
    return Check(f"{name}: {got!r} vs {expected!r}", float(got == expected), 1.0, 0.0, got == expected)


def render_table(checks: list[Check]) -> str:
    width = max([len(c.name) for c in checks] + [5])
    lines = [f"{'check':<{width}}  {'got':>12}  {'expected':>12}  {'tol':>8}  status"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {c.got:>12.8f}  {c.expected:>12.8f}  {c.tolerance:>8.1e}  {c.status}")
    failed = sum(not c.passed for c in checks)
    lines.append(f"{len(checks) - failed}/{len(checks)} checks passed")
    return "\n".join(lines)


def all_passed(checks: list[Check]) -> bool:
    return bool(checks) and all(c.passed for c in checks)
