"""The notebook widgets: the review panel, its grid and summaries (the only modules importing ipywidgets).

>>> panel = opus.review(due, reviewer="Jane Smith")     # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb.widgets._panel import ReviewPanel
from opus_nb.widgets._review import review

__all__ = [
    "review",
    "ReviewPanel",
]
