"""Who may decide and who may destroy: a named reviewer, and a person's action in front of a real destroy.

>>> reviewer_name("  Jane Smith ")
'Jane Smith'
>>> scripted_destroy_allowed("https://graph.avepointonlineservices.com/opus", {SCRIPTED_DESTROY: "emulator"})
False

A review's decisions are signed by a person's name: the ``reviewer=`` given, else
``OPUS_REVIEWER``, else the panel asks for it (never the operating-system login). Marking
records Destroyed from a review needs a person's action in the kernel: the panel's button
clicked in the browser. Each review session has a `PersonGate`; the review panel takes its maker
of `PersonClick` objects once (`PersonGate.hand_over`), and only its button's handler of front-end
messages calls it, once per click. The session admits each click once (`PersonGate.admit`), so a
value a script passes (``person=True``, a name, a click already used, one of another session) is
no person's click. A script (a notebook cell under Run All) may destroy only against a local
emulator, and only when ``OPUS_NB_SCRIPTED_DESTROY`` is ``emulator`` (``opus-nb demo`` sets it
for its headless run; ``make lab`` does not).

>>> gate = PersonGate()
>>> click = gate.hand_over()()
>>> gate.admit(click), gate.admit(click), gate.admit(True)
(True, False, False)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from opus_nb._errors import OpusError, ReviewerRequired, ReviewError
from opus_nb.client._endpoints import plain_http_allowed
from opus_nb.jobs._audit import REVIEWER_VARIABLE, reviewer_from_env, reviewer_name

__all__ = [
    "REVIEWER_VARIABLE",
    "SCRIPTED_DESTROY",
    "PersonClick",
    "PersonGate",
    "PersonRequired",
    "ReviewerRequired",
    "refuse_scripted_destroy",
    "reviewer_from_env",
    "reviewer_from_env_checked",
    "reviewer_name",
    "scripted_destroy_allowed",
]

SCRIPTED_DESTROY = "OPUS_NB_SCRIPTED_DESTROY"


class PersonRequired(OpusError):
    """A real destroy was asked for by a script, not by a person clicking the panel's button."""


class PersonClick:
    """One click of a person on the panel's destroy button, made by the button's handler of front-end messages;
    a session admits it once."""

    __slots__ = ("_code",)

    def __init__(self, code: str) -> None:
        self._code = code

    def __repr__(self) -> str:
        return "<PersonClick>"


class PersonGate:
    """A review session's door for a person's clicks: hands the maker of clicks over once, admits each click once."""

    def __init__(self) -> None:
        self._issued: set[str] = set()
        self._handed_over = False

    def hand_over(self) -> Callable[[], PersonClick]:
        """The maker of clicks, for the review panel's destroy button (the first caller only: a second is refused)."""
        if self._handed_over:
            raise ReviewError(
                "this session's destroy button belongs to the review panel made over it first: use that panel, or open "
                "a new one with opus.review(due)"
            )
        self._handed_over = True
        return self._click

    def _click(self) -> PersonClick:
        code = secrets.token_hex(16)
        self._issued.add(code)
        return PersonClick(code)

    def admit(self, person: object) -> bool:
        """True for a click this gate made and has not admitted yet (then never again); False for anything else."""
        if type(person) is not PersonClick or person._code not in self._issued:
            return False
        self._issued.discard(person._code)
        return True


def reviewer_from_env_checked() -> str | None:
    """``OPUS_REVIEWER``'s name, checked as any reviewer's name; None when it is not set."""
    found = reviewer_from_env()
    return None if found is None else reviewer_name(found, how=f"set {REVIEWER_VARIABLE} to your name, or give reviewer=")


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
