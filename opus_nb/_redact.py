"""Taking secrets out of text a server sent back, before it reaches results, the journal or an error.

>>> redact("refused: Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl was expired")
'refused: Authorization: Bearer *** was expired'
>>> redact("bad form: client_id=app&client_secret=hunter2&scope=records.readwrite.all")
'bad form: client_id=app&client_secret=***&scope=records.readwrite.all'
>>> redact('{"client_assertion": "abc.def.ghi"}')
'{"client_assertion": "***"}'

A server may echo what it was sent (a form, a header, a token) in an error message. Bearer
tokens, JSON web tokens anywhere in the text, and the values of secret-bearing fields
(``client_secret``, ``client_assertion``, ``access_token``, ``password`` and the like, as
``name=value`` or JSON ``"name": "value"``) become ``***``.
"""

from __future__ import annotations

import re

__all__ = ["SECRET_FIELDS", "redact"]

#: Field names whose values are secrets wherever they appear.
SECRET_FIELDS = ("client_secret", "client_assertion", "access_token", "refresh_token", "id_token", "password")
_FIELDS = "|".join(sorted(SECRET_FIELDS, key=len, reverse=True))
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_JSON_FIELD = re.compile(rf'(?i)("(?:{_FIELDS})"\s*:\s*")(?:[^"\\]|\\.)*(")')
_FORM_FIELD = re.compile(rf"(?i)\b((?:{_FIELDS})\s*[=:]\s*)(?!\*\*\*)[^\s&,;\"']+")


def redact(text: str) -> str:
    """``text`` with bearer tokens, JWTs and secret field values replaced by ``***``."""
    text = _BEARER.sub(r"\1 ***", text)
    text = _JWT.sub("***", text)
    text = _JSON_FIELD.sub(r"\1***\2", text)
    return _FORM_FIELD.sub(r"\1***", text)
