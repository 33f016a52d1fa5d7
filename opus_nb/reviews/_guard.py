"""Who may decide and who may destroy: a named reviewer, and a person's action in front of a real destroy.

>>> reviewer_name("  Jane Smith ")
'Jane Smith'
>>> scripted_destroy_allowed("https://graph.avepointonlineservices.com/opus", {SCRIPTED_DESTROY: "emulator"})
False

A review's decisions are signed by a person's name: the ``reviewer=`` given, else
``OPUS_REVIEWER``, else the panel asks for it (never the operating-system login). Marking
records Destroyed from a review needs a person's action in the kernel: the panel's button
clicked in the browser (a message from the front end, `PersonAction`). A script (a notebook
cell under Run All) may only do it against a local emulator, and only when ``OPUS_NB_SCRIPTED_DESTROY``
is ``emulator`` (``opus-nb demo`` sets it for its headless run; ``make lab`` does not).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from opus_nb._errors import OpusError, ReviewerRequired
from opus_nb.client._endpoints import plain_http_allowed
from opus_nb.jobs._audit import REVIEWER_VARIABLE, reviewer_from_env, reviewer_name

__all__ = [
    "REVIEWER_VARIABLE",
    "SCRIPTED_DESTROY",
    "PersonAction",
    "PersonRequired",
    "ReviewerRequired",
    "refuse_scripted_destroy",
    "reviewer_from_env",
    "reviewer_name",
    "scripted_destroy_allowed",
]

SCRIPTED_DESTROY = "OPUS_NB_SCRIPTED_DESTROY"


class PersonRequired(OpusError):
    """A real destroy was asked for by a script, not by a person clicking the panel's button."""


class PersonAction(NamedTuple):
    """A person's action in the kernel's front end (the panel builds one when its button is clicked)."""

    how: str


def scripted_destroy_allowed(url: str, environ: Mapping[str, str] | None = None) -> bool:
    """True only when ``url`` is on this machine (loopback) and ``OPUS_NB_SCRIPTED_DESTROY=emulator``."""
    if (os.environ if environ is None else environ).get(SCRIPTED_DESTROY) != "emulator":
        return False
    return plain_http_allowed(urlsplit(url).hostname or "")


def refuse_scripted_destroy(url: str) -> None:
    """Raise `PersonRequired` unless a scripted destroy is allowed against ``url``."""
    if not scripted_destroy_allowed(url):
        raise PersonRequired(
            'a real destroy from a review needs a person: switch dry run off and click "Mark destroyed in Opus" in the '
            "review panel (a script or Run All cannot do it). Nothing was sent."
        )
