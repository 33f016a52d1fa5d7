"""`opus.review(due)`: the disposal review panel over a new (or reopened) `ReviewSession`.

>>> panel = opus.review(opus.due_records(before="2026-01-01"), reviewer="Jane Smith")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from opus_nb.records._connection import Connection
from opus_nb.reviews._session import ReviewSession
from opus_nb.widgets._panel import ReviewPanel

__all__ = ["review"]


def review(due: pd.DataFrame, connection: Connection | None = None, **options: Any) -> ReviewPanel:
    """The review panel over ``due`` (a widget; every action is also a method on it): ``connection``
    (default: the session's) and the other options as `ReviewSession`.

    >>> panel = opus.review(opus.due_records(before="2026-01-01"), reviewer="Jane Smith")   # doctest: +SKIP
    >>> panel.approve(["INV-2014-000005"]); panel.approved                                  # doctest: +SKIP
    """
    return ReviewPanel(ReviewSession(due, connection, **options))
