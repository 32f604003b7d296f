"""Employees' work and the initiative's progress (MODEL.md 4.8-4.9)."""

from __future__ import annotations

import numpy as np

from ..org import EMPLOYEE
from ..state import norm_plus
from .leadership import launch_initiative


def kpi_weight(p) -> float:
    """Strength of departments' KPI pull: misaligned KPIs, strengthened by silos."""
    return (1 - p.kpi_alignment) * p.lambda_kpi * (1 + p.k_silo * (1 - p.cross_silo_ties))


def engagement(st, rows) -> np.ndarray:
    return (1 - st.f[rows]) * (0.5 + 0.5 * st.tau[rows])


def apply(org, st, p, dr) -> None:
    emp = np.flatnonzero(org.role == EMPLOYEE)
    m = st.m[emp, None]
    dept = org.dept[emp]
    kpi = (kpi_weight(p) * st.kpi_pull[dept])[:, None] * st.kpi_bias[dept]
    st.x[emp] = norm_plus(m * st.b[emp] + (1 - m) * st.h[emp] + kpi)
    if not len(emp):
        return
    on_target = np.maximum(0.0, st.x[emp] @ st.s - p.theta) / (1 - p.theta)
    gain = np.mean(engagement(st, emp) * on_target) / (1 + p.a_split * (st.initiatives_now - 1))
    st.progress += gain
    if st.progress >= p.initiative_effort:
        st.succeeded += 1
        launch_initiative(st)
