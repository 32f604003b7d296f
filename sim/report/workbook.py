"""The Excel workbook of a run or a comparison (openpyxl, through pandas): every table of the
report, the replications, the weekly time series (mean over replications) and the assumptions,
one sheet each, with the run's numbers unrounded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _weekly_mean(timeseries: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    cols = [c for c in timeseries.columns if c not in ("rep", *by)]
    return timeseries.groupby([*by, "week"], sort=False)[[c for c in cols if c != "week"]].mean().reset_index()


def _parameters(scenario) -> pd.DataFrame:
    rows = [{"what": k, "value": v if isinstance(v, (int, float, str)) else str(v)}
            for k, v in scenario.params.model_dump().items()]
    rows += [{"what": "people", "value": scenario.people}, {"what": "horizon (weeks)", "value": scenario.horizon}]
    rows += [{"what": f"week {iv.week}", "value": "; ".join(
        [f"{k} = {v}" for k, v in iv.changes.items()] + (["forced pivot"] if iv.pivot else []))}
        for iv in scenario.interventions]
    return pd.DataFrame(rows)


def sheets(obj) -> dict[str, pd.DataFrame]:
    """The workbook's sheets by name, for a ``Results`` or a ``Comparison``."""
    from ..runner import Comparison

    if isinstance(obj, Comparison):
        from .summary import assumptions, caveats, cost_table, differences, ranking

        return {
            "Summary": ranking(obj).reset_index(),
            "Costs": cost_table(obj).reset_index(),
            "Differences": pd.DataFrame(differences(obj)),
            "Comparison": obj.table(),
            "Assumptions": assumptions(obj).reset_index(),
            "Caveats": pd.DataFrame({"caveat": caveats(obj)}),
            "Replications": obj.summary,
            "Time series (mean)": _weekly_mean(obj.timeseries, ["alternative"]),
            "Run": pd.DataFrame({"what": ["alternatives", "reference", "seed", "replications"],
                                 "value": [", ".join(obj.labels), obj.labels[0], obj.seed, obj.reps]}),
        }
    return {
        "Summary": obj.table().reset_index(),
        "Replications": obj.summary,
        "Time series (mean)": _weekly_mean(obj.timeseries, []),
        "Assumptions": _parameters(obj.scenario),
        "Run": pd.DataFrame({"what": ["scenario", "seed", "replications"],
                             "value": [obj.name, obj.seed, obj.reps]}),
    }


def write_xlsx(obj, path: Path) -> Path:
    """Write ``sheets(obj)`` to ``path`` (.xlsx), the columns sized to their headers."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets(obj).items():
            frame.to_excel(writer, sheet_name=name[:31], index=False, inf_rep="beyond horizon")
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for k, col in enumerate(frame.columns):
                sheet.column_dimensions[sheet.cell(1, k + 1).column_letter].width = max(10, min(40, len(str(col)) + 2))
    return path


__all__ = ["sheets", "write_xlsx"]
