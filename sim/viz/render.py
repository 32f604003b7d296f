"""Fast PNG output of persistent matplotlib figures (drawn with Agg, encoded with little compression:
the view redraws several figures per step, and zlib's default level costs more than the drawing)."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

DPI = 100


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def png(fig: Figure, redraw: bool = True) -> bytes:
    if redraw:
        fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    out = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(out, format="png", compress_level=1)
    return out.getvalue()
