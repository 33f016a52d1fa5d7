"""A disposal review as plain Python (no widgets): candidates, staged decisions, the store, the guard, proof.

>>> from opus_nb.reviews import ReviewSession
>>> session = ReviewSession(due, reviewer="Jane Smith")    # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb._errors import ConfirmationMismatch, NothingApproved, ReviewError, UnknownKeys
from opus_nb.reviews._candidates import AuditPending
from opus_nb.reviews._disposal import DisposalReport, disposal_report
from opus_nb.reviews._guard import PersonRequired
from opus_nb.reviews._session import ReviewSession
from opus_nb.reviews._store import ReviewStoreError

__all__ = [
    "AuditPending",
    "ConfirmationMismatch",
    "disposal_report",
    "DisposalReport",
    "NothingApproved",
    "PersonRequired",
    "ReviewError",
    "ReviewSession",
    "ReviewStoreError",
    "UnknownKeys",
]
