"""The decisions of a staged review, held as arrays: one row per stage, one column per candidate.

>>> d = StagedDecisions(3, stages=2)
>>> d.set(np.array([0, 1]), 1, APPROVED, None, "Ann", np.datetime64("2026-01-02T10:00"))
>>> d.set(np.array([0]), 2, APPROVED, None, "Bob", np.datetime64("2026-01-03T10:00"))
>>> d.destroyable().tolist(), d.effective(2).tolist()
([True, False, False], [1, 0, 0])

Stage 1 approves or rejects each candidate; each later stage (a different reviewer) confirms or
rejects what every earlier stage approved. Only a record approved at every stage may be
destroyed. What a reviewer at stage ``s`` sees for a record is the decision of the first stage
that did not approve it, else its decision at ``s``; a destroyed record shows as destroyed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opus_nb.reviews._filters import DECISIONS

__all__ = ["APPROVED", "DESTROYED", "REJECTED", "UNDECIDED", "StagedDecisions"]

UNDECIDED, APPROVED, REJECTED, DESTROYED = (np.int8(i) for i in range(len(DECISIONS)))
CODE = {name: np.int8(i) for i, name in enumerate(DECISIONS)}
#: What a stored decision may be: destroyed is never one (only a destroy's outcome says so).
_DECIDED = {name: CODE[name] for name in ("undecided", "approved", "rejected")}


class StagedDecisions:
    """Decision code, comment, reviewer and time for each (stage, candidate), and what was destroyed."""

    def __init__(self, size: int, stages: int) -> None:
        self.stages = stages
        self.state = np.zeros((stages, size), dtype=np.int8)
        self.comment = np.full((stages, size), None, dtype=object)
        self.by = np.full((stages, size), None, dtype=object)
        self.at = np.full((stages, size), np.datetime64("NaT"), dtype="datetime64[s]")
        self.destroyed = np.zeros(size, dtype=bool)

    def set(self, rows: np.ndarray, stage: int, code: np.int8, comment: str | None, reviewer: str, at: np.datetime64) -> None:
        """Record one decision on these rows at ``stage`` (from 1)."""
        i = stage - 1
        self.state[i, rows] = code
        self.comment[i, rows] = comment
        self.by[i, rows] = None if code == UNDECIDED else reviewer
        self.at[i, rows] = np.datetime64("NaT") if code == UNDECIDED else at

    def replay(self, decisions: pd.DataFrame, keys: pd.Index) -> None:
        """Apply stored decisions (``rowKey``, ``stage``, ``decision``, ``reviewer``, ``time``, ``comment``) in order;
        the last one for each record and stage wins; records that are not candidates are left out."""
        if decisions.empty:
            return
        last = decisions.drop_duplicates(["rowKey", "stage"], keep="last")
        rows = keys.get_indexer(last["rowKey"].astype(object))
        stages = last["stage"].to_numpy(dtype="int64")
        keep = (rows >= 0) & (stages >= 1) & (stages <= self.stages)
        rows, i = rows[keep], stages[keep] - 1
        picked = last[keep]
        codes = picked["decision"].map(_DECIDED).fillna(UNDECIDED).to_numpy(dtype=np.int8)
        undecided = codes == UNDECIDED
        self.state[i, rows] = codes
        self.comment[i, rows] = picked["comment"].astype(object).where(picked["comment"].notna(), None).to_numpy()
        self.by[i, rows] = np.where(undecided, None, picked["reviewer"].astype(object).to_numpy())
        times = (
            pd.to_datetime(picked["time"], utc=True, format="ISO8601", errors="coerce")
            .dt.tz_localize(None)
            .to_numpy(dtype="datetime64[s]")
        )
        self.at[i, rows] = np.where(undecided, np.datetime64("NaT"), times)

    def same_as(self, other: StagedDecisions) -> bool:
        """True when both hold the same decisions, comments, reviewers and destroyed records."""
        return all(
            np.array_equal(getattr(self, name), getattr(other, name)) for name in ("state", "comment", "by", "destroyed")
        ) and np.array_equal(self.at, other.at, equal_nan=True)

    def approved_before(self, stage: int) -> np.ndarray:
        """True for records that every stage before ``stage`` approved (all, at stage 1)."""
        return (self.state[: stage - 1] == APPROVED).all(axis=0)

    def decidable(self, stage: int) -> np.ndarray:
        """Records a reviewer at ``stage`` may decide: not destroyed, approved at every earlier stage."""
        return self.approved_before(stage) & ~self.destroyed

    def deciding_stage(self, stage: int) -> np.ndarray:
        """For each record, the stage (from 0) whose decision a reviewer at ``stage`` sees."""
        earlier = self.state[: stage - 1] != APPROVED
        first_refusal = np.where(earlier.any(axis=0), earlier.argmax(axis=0), stage - 1) if stage > 1 else None
        return np.full(self.state.shape[1], stage - 1) if first_refusal is None else first_refusal

    def effective(self, stage: int) -> np.ndarray:
        """The decision code a reviewer at ``stage`` sees for each record."""
        which = self.deciding_stage(stage)
        columns = np.arange(self.state.shape[1])
        shown = self.state[which, columns]
        return np.where(self.destroyed, DESTROYED, shown).astype(np.int8)

    def comments(self, stage: int) -> np.ndarray:
        """The comment that goes with each record's effective decision."""
        return self.comment[self.deciding_stage(stage), np.arange(self.state.shape[1])]

    def destroyable(self) -> np.ndarray:
        """Records approved at every stage and not yet destroyed."""
        return (self.state == APPROVED).all(axis=0) & ~self.destroyed

    def frame(self, stage: int, keys: pd.Index) -> pd.DataFrame:
        """The decisions taken at ``stage``: rowKey, stage, decision, reason, reviewer, decided_at."""
        i = stage - 1
        rows = np.flatnonzero(self.state[i] != UNDECIDED)
        return pd.DataFrame(
            {
                "rowKey": keys[rows].astype("string"),
                "stage": pd.array([stage] * len(rows), dtype="Int64"),
                "decision": pd.array(np.asarray(DECISIONS, dtype=object)[self.state[i, rows]], dtype="string"),
                "reason": pd.array(self.comment[i, rows], dtype="string"),
                "reviewer": pd.array(self.by[i, rows], dtype="string"),
                "decided_at": pd.to_datetime(self.at[i, rows]),
            }
        )

    def reviewers(self, rows: np.ndarray) -> list[str]:
        """For each row, who approved it at each stage: ``"Ann (stage 1); Bob (stage 2)"`` (just the name with one stage)."""
        if self.stages == 1:
            return [str(self.by[0, r]) for r in rows]
        return [
            "; ".join(f"{self.by[i, r]} (stage {i + 1})" for i in range(self.stages) if self.by[i, r] is not None) for r in rows
        ]
