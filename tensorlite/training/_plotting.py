"""Figures for History.plot and compare: matplotlib's object API, never pyplot.

pyplot keeps global state (the backend, the list of open figures); a library that calls
``matplotlib.use`` or ``plt.subplots`` switches a notebook's backend or leaves figures in its
list. A ``Figure`` with its own Agg canvas is drawn and saved without touching either.
"""
from __future__ import annotations

import os


def figure(rows: int, columns: int, figsize: tuple, **subplot_options):
    """A Figure drawn by its own Agg canvas and its axes (plt.subplots' return, without pyplot).

    ImportError naming the plot extra when matplotlib is missing.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'tensorlite[plot]'") from None
    result = Figure(figsize=figsize)
    FigureCanvasAgg(result)  # attaches itself: savefig renders through Agg whatever the backend
    return result, result.subplots(rows, columns, **subplot_options)


def save(result, path, dpi: int = 100) -> None:
    """Lay out and write the figure (PNG, SVG, PDF: from path's extension)."""
    result.tight_layout()
    result.savefig(os.fspath(path), dpi=dpi)
