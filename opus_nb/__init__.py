"""opus_nb: AvePoint Opus records from pandas and JupyterLab.

>>> import opus_nb as opus
>>> conn = opus.load_connection("data-samples/connection.json", choices="data-samples/choices.json")  # doctest: +SKIP
>>> report = df.opus.validate(conn)                                                                  # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb import accessor as _accessor  # registers df.opus
from opus_nb.audit import AuditCsvNotWritten, AuditCsvSetAside, AuditLineUnreadable, AuditLog, AuditWarning
from opus_nb.auth import CertificateCredential, ClientSecretCredential
from opus_nb.client import OpusClient
from opus_nb.connection import Column, ColumnType, Connection, load_connection
from opus_nb.destroy import CandidatesError, UnsettledIntents, destroy
from opus_nb.disposal import DisposalReport, disposal_report
from opus_nb.due import due_records
from opus_nb.encode import iter_records, to_records
from opus_nb.errors import (
    AuthenticationError,
    CertificateError,
    CertificatePasswordError,
    CertificateValidityError,
    ColumnMappingError,
    ConfigurationError,
    ConfirmationRequired,
    ConnectionFileError,
    IdentityServiceError,
    JournalError,
    MissingChoicesError,
    MissingExtra,
    NotSignedIn,
    OAuthError,
    OpusError,
    OpusHTTPError,
    PagingError,
    ReviewerRequired,
    SheetError,
    TLSError,
    ValidationFailed,
)
from opus_nb.journal import Journal, JournalSetAside, NothingToResume
from opus_nb.report import ValidationReport
from opus_nb.review_guard import PersonRequired
from opus_nb.review_session import ConfirmationMismatch, NothingApproved, ReviewError, ReviewSession, UnknownKeys, review
from opus_nb.review_store import ReviewStoreError
from opus_nb.session import login, login_emulator, logout
from opus_nb.sheets import read_sheet
from opus_nb.submit import SubmitStopped, submit
from opus_nb.terms import Term, load_terms
from opus_nb.validation import validate

__all__ = [
    "AuditCsvNotWritten",
    "AuditCsvSetAside",
    "AuditLineUnreadable",
    "AuditLog",
    "AuditWarning",
    "AuthenticationError",
    "CandidatesError",
    "CertificateCredential",
    "CertificateError",
    "CertificatePasswordError",
    "CertificateValidityError",
    "ClientSecretCredential",
    "Column",
    "ColumnMappingError",
    "ColumnType",
    "ConfigurationError",
    "ConfirmationMismatch",
    "ConfirmationRequired",
    "Connection",
    "ConnectionFileError",
    "destroy",
    "disposal_report",
    "DisposalReport",
    "due_records",
    "IdentityServiceError",
    "iter_records",
    "Journal",
    "JournalError",
    "JournalSetAside",
    "load_connection",
    "load_terms",
    "login",
    "login_emulator",
    "logout",
    "MissingChoicesError",
    "MissingExtra",
    "NothingApproved",
    "NothingToResume",
    "NotSignedIn",
    "OAuthError",
    "OpusClient",
    "OpusError",
    "OpusHTTPError",
    "PagingError",
    "PersonRequired",
    "read_sheet",
    "review",
    "ReviewerRequired",
    "ReviewError",
    "ReviewSession",
    "ReviewStoreError",
    "SheetError",
    "submit",
    "SubmitStopped",
    "Term",
    "TLSError",
    "to_records",
    "UnknownKeys",
    "UnsettledIntents",
    "validate",
    "ValidationFailed",
    "ValidationReport",
]

__version__ = "0.1.0"
del _accessor
