"""opus_nb: AvePoint Opus records from pandas and JupyterLab.

>>> import opus_nb as opus
>>> conn = opus.load_connection("data-samples/connection.json", choices="data-samples/choices.json")  # doctest: +SKIP
>>> report = df.opus.validate(conn)                                                                  # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb import accessor as _accessor  # registers df.opus
from opus_nb.audit import AuditLog
from opus_nb.auth import CertificateCredential, ClientSecretCredential
from opus_nb.client import OpusClient
from opus_nb.connection import Column, ColumnType, Connection, load_connection
from opus_nb.destroy import destroy
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
    NotSignedIn,
    OAuthError,
    OpusError,
    OpusHTTPError,
    PagingError,
    SheetError,
    TLSError,
    ValidationFailed,
)
from opus_nb.journal import Journal
from opus_nb.report import ValidationReport
from opus_nb.review_session import ReviewSession, review
from opus_nb.session import login, login_emulator, logout
from opus_nb.sheets import read_sheet
from opus_nb.submit import submit
from opus_nb.terms import Term, load_terms
from opus_nb.validation import validate

__all__ = [
    "AuditLog",
    "AuthenticationError",
    "CertificateCredential",
    "CertificateError",
    "CertificatePasswordError",
    "CertificateValidityError",
    "ClientSecretCredential",
    "Column",
    "ColumnMappingError",
    "ColumnType",
    "ConfigurationError",
    "ConfirmationRequired",
    "Connection",
    "ConnectionFileError",
    "DisposalReport",
    "IdentityServiceError",
    "Journal",
    "JournalError",
    "MissingChoicesError",
    "NotSignedIn",
    "OAuthError",
    "OpusClient",
    "OpusError",
    "OpusHTTPError",
    "PagingError",
    "ReviewSession",
    "SheetError",
    "TLSError",
    "Term",
    "ValidationFailed",
    "ValidationReport",
    "destroy",
    "disposal_report",
    "due_records",
    "iter_records",
    "load_connection",
    "load_terms",
    "login",
    "login_emulator",
    "logout",
    "read_sheet",
    "review",
    "submit",
    "to_records",
    "validate",
]

__version__ = "0.1.0"
del _accessor
