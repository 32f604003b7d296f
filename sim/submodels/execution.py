"""The direction of everyone's work and the initiative's progress, from the employees' work (MODEL.md
4.8-4.9)."""

from __future__ import annotations

import numpy as np

from ..state import per_person, take_rows, unit
from .leadership import launch_initiative


def kpi_weight(p) -> float:
    """Strength of departments' KPI pull: misaligned KPIs, strengthened by silos."""
    return (1 - p.kpi_alignment) * p.lambda_kpi * (1 + p.k_silo * (1 - p.cross_silo_ties))


def engagement(st, rows) -> np.ndarray:
    return (1 - take_rows(st.f, rows)) * (0.5 + 0.5 * take_rows(st.tau, rows))


def apply(org, st, p, dr) -> None:
    # Everyone below the executives works along x: a contiguous block of rows, so nothing is
    # gathered; the initiative and the outputs count the employees' work.
    staff, emp = org.staff, org.employees
    m = st.m[staff][:, None]
    kpi = per_person((kpi_weight(p) * st.kpi_pull)[:, None] * st.kpi_bias)  # per department
    x = st.x[staff]  # a view: written in place
    np.multiply(st.b[staff], m, out=x)
    x += np.multiply(st.h[staff], 1 - m)
    x += take_rows(kpi, org.staff_dept)
    unit(x)
    if not org.n_employees:
        return
    on_target = np.maximum(0.0, take_rows(st.x @ st.s, emp) - p.theta) / (1 - p.theta)
    gain = np.mean(engagement(st, emp) * on_target) / (1 + p.a_split * (st.initiatives_now - 1))
    st.progress += gain
    if st.progress >= p.initiative_effort:
        st.succeeded += 1
        launch_initiative(st)
