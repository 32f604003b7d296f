"""Live charts read off the model's DataCollector, as persistent figures that are blitted: the
axes, grid and legend are drawn only when the time axis has to grow (every ``WINDOW`` weeks); each
week only the lines are drawn again. Dashed grey verticals mark the strategy pivots."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..org import EXECUTIVE
from .render import new_figure, png

WINDOW = 52  # the time axis grows a year at a time


def _series(model, name) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars[name], dtype=float)


def level_names(org) -> list[str]:
    top = org.levels - 1
    return ["executives"] + [f"layer {d}" for d in range(1, top)] + ["employees"]


class Chart:
    """One chart: ``lines`` maps a label to a function model -> y values (one per week)."""

    key = ""
    title = ""
    ylabel = ""

    def __init__(self, model, width=4.6, height=2.7):
        self.fig = fig = new_figure(width, height)
        self.ax = ax = fig.add_axes((0.11, 0.33, 0.86, 0.58))
        self.lines = {}
        for (label, fn), color in zip(self.definitions(model), self.colors(model)):
            (line,) = ax.plot([], [], lw=1.6, color=color, label=label, animated=True)
            self.lines[label] = (line, fn)
        self.pivots = LineCollection([], colors="0.55", linestyles="--", linewidths=0.8, animated=True)
        ax.add_collection(self.pivots)
        self.extra = []  # per-frame artists (filled areas)
        ax.set_title(self.title, fontsize=9)
        ax.set_ylabel(self.ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3)
        self.ylim = self.initial_ylim(model)
        ax.set_ylim(*self.ylim)
        self.xmax = 0
        self.background = None

    def definitions(self, model):
        raise NotImplementedError

    def colors(self, model):
        return [f"C{i}" for i in range(len(self.definitions(model)))]

    def initial_ylim(self, model):
        return (0.0, 1.02)

    def decorate(self, model, weeks, ys):
        """Extra per-frame artists; return them (they are drawn after the lines)."""
        return []

    def draw(self, model) -> bytes:
        weeks = _series(model, "week")
        ys = {label: fn(model) for label, (line, fn) in self.lines.items()}
        top = max(self.ylim[1], *(float(np.nanmax(y)) * 1.05 for y in ys.values() if len(y)))
        # Alignment can fall below 0 (a reversed ranking): the axis grows down as well as up.
        bottom = min(self.ylim[0], *(float(np.nanmin(y)) * 1.05 for y in ys.values() if len(y)))
        xmax = WINDOW * (int(weeks[-1]) // WINDOW + 1)
        if self.background is None or xmax != self.xmax or top > self.ylim[1] or bottom < self.ylim[0]:
            if top > self.ylim[1] or bottom < self.ylim[0]:
                self.ylim = (min(self.ylim[0], bottom), self.grow(top) if top > self.ylim[1] else self.ylim[1])
                self.ax.set_ylim(*self.ylim)
            self.xmax = xmax
            self.ax.set_xlim(0, xmax)
            self.fig.canvas.draw()
            self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        pivots = weeks[1:][np.diff(_series(model, "pivots")) > 0]
        self.pivots.set_segments([[(w, self.ylim[0]), (w, self.ylim[1])] for w in pivots])
        self.ax.draw_artist(self.pivots)
        for artist in self.extra:
            artist.remove()
        self.extra = self.decorate(model, weeks, ys)
        for artist in self.extra:
            artist.set_animated(True)
            self.ax.draw_artist(artist)
        for label, (line, _) in self.lines.items():
            line.set_data(weeks, ys[label])
            self.ax.draw_artist(line)
        return png(self.fig, redraw=False)

    def grow(self, top):
        return top


class AlignmentByLevel(Chart):
    key = "alignment"
    title = "Alignment by level (weeks)"
    ylabel = "alignment (0 = chance or vague)"

    def definitions(self, model):
        return [(name, lambda m, d=d: _series(m, f"alignment_{d}"))
                for d, name in enumerate(level_names(model.org))]

    def colors(self, model):
        import matplotlib

        cmap = matplotlib.colormaps["plasma"]
        n = model.org.levels
        return [cmap(0.85 * d / max(n - 1, 1)) for d in range(n)]

    def initial_ylim(self, model):
        return (-0.2, 1.02)


class CommunicationIllusion(Chart):
    key = "illusion"
    title = "Communication illusion: believed vs measured clarity"
    ylabel = "share of people"

    def definitions(self, model):
        return [("confidence (believed)", lambda m: _series(m, "confidence")),
                ("aligned (measured)", lambda m: _series(m, "confidence") - _series(m, "clarity_gap"))]

    def decorate(self, model, weeks, ys):
        believed, measured = ys.values()
        return [self.ax.fill_between(weeks, measured, believed, where=believed >= measured,
                                     color="C3", alpha=0.15, lw=0)]


class Adoption(Chart):
    key = "adoption"
    title = "Adoption among managers"
    ylabel = "share"

    def definitions(self, model):
        return [("managers adopted", lambda m: _series(m, "adoption")),
                ("trust in leadership", lambda m: _series(m, "trust"))]


class FatigueBurnout(Chart):
    key = "fatigue"
    title = "Fatigue and burnout"
    ylabel = "share"

    def definitions(self, model):
        people = int((model.org.role != EXECUTIVE).sum())
        return [("mean fatigue", lambda m: _series(m, "fatigue")),
                ("burnt out", lambda m: _series(m, "burnout") / people),
                ("managers overloaded", lambda m: _series(m, "overloaded"))]

    def colors(self, model):
        return ["C1", "C3", "C7"]


class Initiatives(Chart):
    key = "initiatives"
    title = "Initiatives succeeded and failed"
    ylabel = "initiatives (total)"

    def definitions(self, model):
        return [("succeeded", lambda m: _series(m, "initiatives_succeeded")),
                ("failed", lambda m: _series(m, "initiatives_failed")),
                ("launched", lambda m: _series(m, "initiatives_launched"))]

    def colors(self, model):
        return ["C2", "C3", "0.5"]

    def initial_ylim(self, model):
        return (0.0, 5.0)

    def grow(self, top):
        return 5.0 * np.ceil(top / 5.0)


CHARTS = (AlignmentByLevel, CommunicationIllusion, Adoption, FatigueBurnout, Initiatives)
