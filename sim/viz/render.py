"""Fast JPEG output of persistent matplotlib figures (drawn with Agg): the organisation chart is
redrawn every frame, and JPEG is about a third of a PNG of its thousands of thin lines and
markers, and quicker to encode; that is what each viewer is sent every frame."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

DPI = 100
QUALITY = 85


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def jpeg(fig: Figure, redraw: bool = True) -> bytes:
    if redraw:
        fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    out = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(out, format="jpeg", quality=QUALITY)
    return out.getvalue()
