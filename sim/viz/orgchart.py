"""The organisation chart: a radial tree laid out once per organisation, redrawn each week by
recolouring the same artists.

Executives sit in the centre, each management layer on a ring, employees on the outer rings
(staggered over a few rows so that thousands stay apart). Colour is the chosen measure, size the
credibility, the marker the initial stance; burnt-out people get a red ring and newcomers a black
dot. Beyond ``MAX_MARKERS`` people the deepest level is drawn as teams (one dot per team, its
members' mean), then the next level up, until the chart fits; a team gets the red ring when at
least ``TEAM_BURNOUT`` of its people are burnt out.

The picture holds no text: its title, legend and colour bar are written by the page
(``caption``, ``colour_scale``), so they stay readable at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection

from ..geometry import alignment
from ..org import EXECUTIVE, Org
from ..state import CHAMPION, DEFENDER, NEUTRAL
from .levers import MEASURES
from .render import jpeg, new_figure

MAX_MARKERS = 2500
RING_CAPACITY = 360  # leaves per outer row before the leaves are staggered over more rows
NEWCOMER_WEEKS = 13  # joined during the run, less than a quarter ago
STANCE_MARKERS = {NEUTRAL: "o", CHAMPION: "^", DEFENDER: "s"}
TEAM_BURNOUT = 0.25  # share of a team's people burnt out for its marker to get the red ring


def radial_layout(org: Org) -> np.ndarray:
    """(n, 2) positions: leaves evenly around the circle in depth-first order, each manager at
    the mean angle of its reports, radius by level. Vectorised; computed once per organisation."""
    n, depth, boss = org.n, org.depth, org.boss
    top = int(depth.max())
    keys = np.full((top + 1, n), -1, dtype=np.int64)  # ancestor at each depth (-1 below oneself)
    node = np.arange(n)
    rows = np.arange(n)
    for _ in range(top + 1):
        keys[depth[node], rows] = node
        up = boss[node]
        rows, node = rows[up >= 0], up[up >= 0]
    order = np.lexsort(keys[::-1])  # depth-first (pre-order): a subtree's leaves are contiguous
    leaf = org.n_reports == 0
    leaves = order[leaf[order]]
    division = keys[0, leaves]
    gap = 0.04 * len(leaves) / max(int((depth == 0).sum()), 1)  # space between divisions
    slot = np.arange(len(leaves)) + gap * np.searchsorted(np.unique(division), division)
    angle = np.zeros(n)
    angle[leaves] = 2 * np.pi * (slot + 0.5) / (slot[-1] + 1 + gap) if len(leaves) else 0.0
    for d in range(top - 1, -1, -1):  # managers: mean angle of their reports, bottom-up
        lvl = org.level(d + 1)
        kids = np.arange(lvl.start, lvl.stop)
        total = np.bincount(boss[kids], angle[kids], minlength=n)
        has = (depth == d) & (org.n_reports > 0)
        angle[has] = total[has] / org.n_reports[has]
    radius = np.where(depth == 0, 0.35 if (depth == 0).sum() > 1 else 0.0, depth.astype(float))
    rows_out = max(int(np.ceil(len(leaves) / RING_CAPACITY)), 1)
    if rows_out > 1:  # stagger the leaves radially so neighbours do not overlap
        radius[leaves] += 0.9 * (np.arange(len(leaves)) % min(rows_out, 4)) / min(rows_out, 4)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


@dataclass
class Groups:
    """What is drawn: one marker per group of people (a person, or a team beyond MAX_MARKERS)."""

    of: np.ndarray  # (n,) group of each person
    size: np.ndarray  # (g,) people per group
    xy: np.ndarray  # (g, 2)
    stance: np.ndarray  # (g,) stance of the group's marker
    manager: np.ndarray  # (g,) drawn larger (executives and managers)
    aggregated: bool


def group_people(org: Org, xy: np.ndarray, stance: np.ndarray, limit: int = MAX_MARKERS) -> Groups:
    n = org.n
    of = np.arange(n)
    team = np.zeros(n, dtype=bool)  # rows drawn as part of a team marker
    d = int(org.depth.max())
    while len(np.unique(of)) > limit and d >= 1:  # fold level d (and below) into level d-1's teams
        rows = org.depth >= d
        up = rows & (org.depth[of] >= d)
        of[up] = org.boss[of[up]]
        team |= rows
        d -= 1
    key = np.where(team, of + n, of)  # a manager and the team below it are different markers
    uniq, of = np.unique(key, return_inverse=True)
    size = np.bincount(of)
    gxy = np.column_stack([np.bincount(of, xy[:, 0]), np.bincount(of, xy[:, 1])]) / size[:, None]
    rep = uniq % n
    is_team = uniq >= n
    return Groups(of, size, gxy, np.where(is_team, NEUTRAL, stance[rep]),
                  ~is_team & (org.n_reports[rep] > 0), bool(is_team.any()))


class OrgChart:
    """A persistent figure for one organisation; ``draw(model, measure)`` returns JPEG bytes."""

    def __init__(self, model, width: float = 6.4, height: float = 6.0):
        org = model.org
        self.org = org
        self.xy = radial_layout(org)
        self.groups = g = group_people(org, self.xy, model.state.stance)
        self.fig = fig = new_figure(width, height)
        ax = self.ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_aspect("equal")
        ax.set_axis_off()
        # reporting lines between drawn markers (static)
        boss_group = np.full(len(g.size), -1)
        has_boss = org.boss >= 0
        boss_group[g.of[has_boss]] = g.of[org.boss[has_boss]]
        child = np.flatnonzero((boss_group >= 0) & (boss_group != np.arange(len(g.size))))
        segs = np.stack([g.xy[child], g.xy[boss_group[child]]], axis=1)
        ax.add_collection(LineCollection(segs, colors="0.75", linewidths=0.3, zorder=0))
        lim = np.abs(g.xy).max() * 1.05 + 0.5
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        drawn = len(g.size)
        base = float(np.clip(9000.0 / drawn, 3.0, 60.0))
        self.base = base * np.where(g.manager, 2.2, 1.0) * np.where(
            g.size > 1, np.sqrt(g.size) / 2, 1.0) if g.aggregated else base * np.where(g.manager, 2.2, 1.0)
        self.scatters = {}
        for stance, marker in STANCE_MARKERS.items():
            idx = np.flatnonzero(g.stance == stance)
            sc = ax.scatter(g.xy[idx, 0], g.xy[idx, 1], s=self.base[idx], marker=marker,
                            c=np.zeros(len(idx)), vmin=0, vmax=1, linewidths=0.3,
                            edgecolors="0.3", zorder=2, animated=True, cmap=MEASURES["alignment"][2])
            self.scatters[stance] = (idx, sc)
        self.burnout = ax.scatter([], [], s=[], facecolors="none", edgecolors="red",
                                  linewidths=1.2, zorder=3, animated=True)
        self.newcomers = ax.scatter([], [], s=6, c="black", marker=".", zorder=4, animated=True)
        self.background = None  # the static part (reporting lines), blitted each frame
        self.burnt_people = 0

    def values(self, model, measure: str) -> np.ndarray:
        st = model.state
        if measure == "alignment":  # 0 = a random or vague priority mix, 1 = the strategy; a reversed
            return np.clip(alignment(st.b, st.s), 0.0, 1.0)  # ranking (below 0) is coloured as 0
        return getattr(st, MEASURES[measure][0])

    def draw(self, model, measure: str = "alignment") -> bytes:
        g, st, p = self.groups, model.state, model.p
        cmap = MEASURES[measure][2]
        count = g.size.astype(float)
        value = np.bincount(g.of, self.values(model, measure), minlength=len(count)) / count
        kappa = np.bincount(g.of, st.kappa, minlength=len(count)) / count
        burnt_out = st.f >= p.f_burnout
        share = np.bincount(g.of, burnt_out, minlength=len(count)) / count
        burnt = share >= TEAM_BURNOUT if g.aggregated else share > 0
        self.burnt_people = int(burnt_out[self.org.role != EXECUTIVE].sum())
        newcomer = np.bincount(g.of, (st.tenure < np.minimum(st.week, NEWCOMER_WEEKS)),
                               minlength=len(count)) > 0
        size = self.base * (0.3 + 1.4 * kappa)
        for idx, sc in self.scatters.values():
            sc.set_array(value[idx])
            sc.set_sizes(size[idx])
        self.burnout.set_offsets(g.xy[burnt])
        self.burnout.set_sizes(size[burnt] * 2.2 + 10)
        self.newcomers.set_offsets(g.xy[newcomer])
        canvas = self.fig.canvas
        if self.background is None:
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self.background)
        for _, sc in self.scatters.values():
            sc.set_cmap(cmap)
            self.ax.draw_artist(sc)
        self.ax.draw_artist(self.burnout)
        self.ax.draw_artist(self.newcomers)
        return jpeg(self.fig, redraw=False)

    def person_at(self, x: float, y: float) -> int:
        """The person drawn nearest to a point of the picture (``x``, ``y``: fractions of its width
        from the left and of its height from the top), for a click on the chart."""
        w, h = self.fig.canvas.get_width_height()
        point = self.ax.transData.inverted().transform((x * w, (1 - y) * h))
        return int(np.argmin(((self.xy - point) ** 2).sum(axis=1)))

    def caption(self, model) -> str:
        """What the picture shows, for the page to write above it (after ``draw``)."""
        teams = " (outer dots: teams, their mean)" if self.groups.aggregated else ""
        return (f"Week {model.state.week}: {self.org.n:,} people{teams}; size = credibility; "
                f"{self.burnt_people:,} people burnt out")


def colour_scale(measure: str, stops: int = 11) -> str:
    """The measure's colour map from 0 to 1 as a CSS gradient (the page's colour bar)."""
    import matplotlib

    cmap = matplotlib.colormaps[MEASURES[measure][2]]
    return "linear-gradient(to right, " + ", ".join(
        matplotlib.colors.to_hex(cmap(i / (stops - 1))) for i in range(stops)) + ")"
