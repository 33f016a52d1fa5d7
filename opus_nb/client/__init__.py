"""The HTTP client: credentials, tokens, endpoints, retries and one httpx2 stack for every request.

>>> from opus_nb.client import ClientSecretCredential, OpusClient
>>> client = OpusClient(ClientSecretCredential(app_id, secret), region="us")   # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import CertificateCredential, ClientSecretCredential, Credential
from opus_nb.client._endpoints import REGIONS, Endpoints, endpoints
from opus_nb.client._retry import RetryPolicy
from opus_nb.client._settings import Settings
from opus_nb.client._tokens import AccessToken, TokenProvider

__all__ = [
    "AccessToken",
    "CertificateCredential",
    "ClientSecretCredential",
    "Credential",
    "Endpoints",
    "endpoints",
    "OpusClient",
    "REGIONS",
    "RetryPolicy",
    "Settings",
    "TokenProvider",
]
