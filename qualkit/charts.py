"""Static charts for reports: PNG bytes, the same bytes for the same table (no timestamps)."""

from __future__ import annotations

import io

import pandas as pd


def bar_chart_png(table: pd.DataFrame, title: str, xlabel: str, stacked: bool = False) -> bytes:
    """Horizontal bars, one row of ``table`` per bar group, one column per series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = table.plot(kind="barh", stacked=stacked, figsize=(9, max(3, 0.4 * len(table))))
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    axes.invert_yaxis()  # first row on top, as in the table beside it
    plt.tight_layout()
    buffer = io.BytesIO()
    plt.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    plt.close("all")
    return buffer.getvalue()
