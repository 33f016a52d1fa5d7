"""The jobs against a tenant: sign-in, submit (journalled, resumable), due records, destroy, the audit log.

>>> from opus_nb.jobs import login, submit
>>> login(region="us", client_id=app_id, certificate="app.pfx", password=pw)   # doctest: +SKIP
>>> results = submit(df, conn)                                                # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb.jobs._audit import AuditCsvNotWritten, AuditCsvSetAside, AuditLineUnreadable, AuditLog, AuditWarning
from opus_nb.jobs._destroy import CandidatesError, UnsettledIntents, destroy
from opus_nb.jobs._due import due_records
from opus_nb.jobs._journal import Journal, JournalSetAside, NothingToResume
from opus_nb.jobs._signin import login, login_emulator, logout
from opus_nb.jobs._submit import SubmitStopped, submit

__all__ = [
    "AuditCsvNotWritten",
    "AuditCsvSetAside",
    "AuditLineUnreadable",
    "AuditLog",
    "AuditWarning",
    "CandidatesError",
    "destroy",
    "due_records",
    "Journal",
    "JournalSetAside",
    "login",
    "login_emulator",
    "logout",
    "NothingToResume",
    "submit",
    "SubmitStopped",
    "UnsettledIntents",
]
