"""A job's results: one row per input row, and the run's facts on `.run` (not in ``DataFrame.attrs``).

>>> results = Results.of(pd.DataFrame({"status": ["submitted"]}), RunInfo("submit", run_id="r-1"))
>>> results.run.run_id, type(results[results.status == "submitted"]).__name__
('r-1', 'DataFrame')

pandas deep-copies ``attrs`` into every frame derived from one, so a dry run's request bodies
kept there made each ``results["status"].value_counts()`` copy them all. `Results` keeps the
facts on the frame the job returned; frames derived from it are plain DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

__all__ = ["Results", "RunInfo"]


@dataclass(frozen=True)
class RunInfo:
    """What a run was: its kind, its journal run id and folder (submit), its audit log (destroy), why it
    stopped early (None when it did not), and a dry run's exact request bodies."""

    kind: Literal["submit", "destroy"]
    run_id: str | None = None
    journal: Path | None = None
    audit: Path | None = None
    stopped: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list, repr=False)


class Results(pd.DataFrame):
    """A results frame with the run's facts on ``.run`` (a `RunInfo`)."""

    _metadata = ["run"]
    run: RunInfo

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @classmethod
    def of(cls, frame: pd.DataFrame, run: RunInfo) -> Results:
        """``frame`` (not copied) with ``run``."""
        results = cls(frame, copy=False)
        results.run = run
        return results
