"""A short slide deck of a run or a comparison (python-pptx, the optional ``client`` extra):
a title slide, the summary, one chart a slide with its takeaway sentence as the title, and the
caveats."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

INSTALL = "pip install 'cascade-sim[client]'  (or: pip install python-pptx)"


def available() -> bool:
    return importlib.util.find_spec("pptx") is not None


def write_pptx(obj, figures: dict[str, Path], path: Path) -> Path:
    """Write the deck of ``obj`` (a ``Results`` or a ``Comparison``) with the PNG ``figures``."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    from . import CAPTIONS, fmt, fmt_interval
    from ..runner import Comparison
    from .summary import caveats, kind_of, label_of, ranking, takeaway

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_layout, body_layout, blank = deck.slide_layouts[0], deck.slide_layouts[5], deck.slide_layouts[6]

    def titled(title: str):
        slide = deck.slides.add_slide(body_layout)
        head = slide.shapes.title  # the layout's title is sized for 4:3: widen it to the slide
        head.left, head.top, head.width, head.height = Inches(0.5), Inches(0.3), Inches(12.3), Inches(1.2)
        head.text = title
        head.text_frame.paragraphs[0].font.size = Pt(30)
        return slide

    def text_slide(title: str, lines: list[str], size: int = 16):
        slide = titled(title)
        box = slide.shapes.add_textbox(Inches(0.6), Inches(1.5), Inches(12.1), Inches(5.6)).text_frame
        box.word_wrap = True
        for k, line in enumerate(lines):
            para = box.paragraphs[0] if k == 0 else box.add_paragraph()
            para.text = line
            para.font.size = Pt(size)
        return slide

    comparison = isinstance(obj, Comparison)
    slide = deck.slides.add_slide(title_layout)
    slide.shapes.title.text = " vs ".join(obj.labels) if comparison else obj.name
    slide.placeholders[1].text = (f"Strategy diffusion simulation · {obj.reps} replications"
                                  f"{' per alternative, same random numbers' if comparison else ''} · "
                                  f"seed {obj.seed} · {date.today():%d %B %Y}")
    if comparison:
        rank = ranking(obj)
        objs = [c for c in rank.columns if not c.startswith(("rank_", "p_")) and c not in ("mean_rank", "place")]
        slide = titled(f"Summary: {rank.index[0]} ranks first overall on {len(objs)} objectives")
        table = slide.shapes.add_table(len(rank) + 1, len(objs) + 2, Inches(0.5), Inches(1.9),
                                       Inches(12.3), Inches(0.6) * (len(rank) + 1)).table
        for j, head in enumerate(["Place", "Alternative", *map(label_of, objs)]):
            table.cell(0, j).text = head
        for i, (alt, r) in enumerate(rank.iterrows(), start=1):
            table.cell(i, 0).text = str(int(r["place"]))
            table.cell(i, 1).text = str(alt)
            for j, m in enumerate(objs, start=2):
                beat = "reference" if alt == obj.labels[0] else f"beats it: {r[f'p_{m}']:.0%}"
                table.cell(i, j).text = f"{fmt(r[m], kind_of(m))} ({beat})"
        for row in table.rows:
            for cell in row.cells:
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(13)
    else:
        t = obj.table()
        from . import KEY_METRICS

        lines = [f"{label}: {fmt(t.loc[col, 'mean'], kind)} ({fmt_interval(t.loc[col, 'low'], t.loc[col, 'high'], kind)})"
                 for col, label, _, kind in KEY_METRICS[:8] if col in t.index]
        text_slide(f"Summary: {obj.name}, {obj.scenario.horizon} weeks", lines)
    for name, png in figures.items():
        slide = deck.slides.add_slide(blank)
        head = slide.shapes.add_textbox(Inches(0.5), Inches(0.25), Inches(12.3), Inches(1.1)).text_frame
        head.word_wrap = True
        head.paragraphs[0].text = takeaway(obj, name)
        head.paragraphs[0].font.size = Pt(20)
        head.paragraphs[0].font.bold = True
        slide.shapes.add_picture(str(png), Inches(0.9), Inches(1.45), height=Inches(5.4))
        note = slide.shapes.add_textbox(Inches(0.5), Inches(6.9), Inches(12.3), Inches(0.5)).text_frame
        note.word_wrap = True
        note.paragraphs[0].text = CAPTIONS.get(name, name.replace("_", " "))
        note.paragraphs[0].font.size = Pt(11)
    if comparison:
        text_slide("Caveats", caveats(obj), 15)
    deck.save(path)
    return path


__all__ = ["write_pptx", "available", "INSTALL"]
