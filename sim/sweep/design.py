"""Designs: the points of a sweep, as a DataFrame with one column per parameter.

``grid`` is the full factorial of each parameter's values (the first parameter varies slowest).
``random``, ``lhs``, ``sobol`` and ``morris`` sample the unit cube (SALib for the last three) and
map each coordinate onto its parameter: a range linearly (a whole-number range low..high by
high - low + 1 equal slices, one per value), a list of values by equal slices. ``unit_sample``
keeps the unit-cube coordinates, which the sensitivity analyses need.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from SALib.sample import latin, morris, sobol

from ..params import BY_NAME
from .spec import Range, SweepSpec


def problem(names) -> dict:
    """The SALib problem over the unit cube, one variable per parameter."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def size(spec: SweepSpec) -> int:
    """The number of points of the design (without drawing it)."""
    d, n, m = len(spec.parameters), spec.design.n, spec.design.method
    if m == "grid":
        return int(np.prod([len(grid_values(v)) for v in spec.parameters.values()]))
    if m == "sobol":
        return n * (2 * d + 2 if spec.design.second_order else d + 2)
    if m == "morris":
        return n * (d + 1)
    return n


def grid_values(values: tuple | Range) -> list:
    if isinstance(values, tuple):
        return list(values)
    # to 12 significant digits: 0.3, not linspace's 0.30000000000000004, so `== 0.3` finds it
    return [float(f"{x:.12g}") for x in np.linspace(values.low, values.high, values.steps)]


def unit_sample(spec: SweepSpec) -> np.ndarray:
    """The sampled points in the unit cube (rows), drawn from the sweep's own seed."""
    names, n, design = list(spec.parameters), spec.design.n, spec.design
    rng = np.random.default_rng(np.random.SeedSequence(spec.entropy))  # no spawn key: not a run's
    prob = problem(names)
    if design.method == "random":
        return rng.random((n, len(names)))
    if design.method == "lhs":
        return latin.sample(prob, n, seed=rng)
    if design.method == "sobol":
        return sobol.sample(prob, n, calc_second_order=design.second_order, seed=rng)
    if design.method == "morris":
        return morris.sample(prob, n, num_levels=design.levels, seed=rng)
    raise ValueError(f"{design.method} is not a sampling design")


def _scale(name: str, values: tuple | Range, u: np.ndarray):
    if isinstance(values, tuple):
        index = np.minimum((u * len(values)).astype(int), len(values) - 1)
        return pd.Series([values[i] for i in index]).to_numpy()
    if BY_NAME[name].kind is int:  # one equal-width bin per whole number (rounding gave the ends half a bin)
        return np.minimum(values.low + np.floor(u * (values.high - values.low + 1)), values.high).astype(np.int64)
    return values.low + u * (values.high - values.low)


def points(spec: SweepSpec) -> pd.DataFrame:
    """Every point of the design: one row per point (index ``point``), one column per parameter."""
    names = list(spec.parameters)
    if spec.design.method == "grid":
        rows = list(itertools.product(*(grid_values(v) for v in spec.parameters.values())))
        frame = pd.DataFrame(rows, columns=names)
    else:
        u = unit_sample(spec)
        frame = pd.DataFrame({name: _scale(name, spec.parameters[name], u[:, j])
                              for j, name in enumerate(names)})
    frame.index.name = "point"
    return frame


__all__ = ["points", "size", "unit_sample", "problem", "grid_values"]
