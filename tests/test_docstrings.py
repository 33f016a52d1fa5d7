"""Every parameter of the public surface is described in its docstring, as the README's tables are
checked: each function and class `opus_nb` exports, and each method of ``df.opus`` and of the client."""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

import opus_nb
from opus_nb._accessor import OpusAccessor

#: Made by opus_nb and handed to you, never built by you: their constructors are not public.
MADE_FOR_YOU = {"ValidationReport", "DisposalReport", "ReviewPanel"}
#: "the options are `opus_nb.submit`'s": a docstring may lend the descriptions of another's.
_LENDER = re.compile(r"the options are `(?:opus_nb\.)?(\w+)`'s")


def _described(name: str, doc: str) -> bool:
    return re.search(rf"`{re.escape(name)}\b|\b{re.escape(name)}=|^\s*{re.escape(name)}\s*:", doc, re.M) is not None


def _surface() -> Iterator[tuple[str, Callable[..., Any], str]]:
    for name in opus_nb.__all__:
        obj = getattr(opus_nb, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException | enum.Enum) or name in MADE_FOR_YOU:
                continue
            yield name, obj.__init__, (obj.__doc__ or "") + (obj.__init__.__doc__ or "")
        elif callable(obj):
            yield name, obj, obj.__doc__ or ""
    for owner in (OpusAccessor, opus_nb.OpusClient):
        for name, method in vars(owner).items():
            if callable(method) and not name.startswith("_"):
                yield f"{owner.__name__}.{name}", method, method.__doc__ or ""


def _lent(doc: str) -> str:
    lender = _LENDER.search(doc)
    return doc + (getattr(opus_nb, lender.group(1)).__doc__ or "") if lender else doc


@pytest.mark.parametrize("name, function, doc", list(_surface()), ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_every_public_parameter_is_described(name: str, function: Callable[..., Any], doc: str) -> None:
    parameters = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    missing = [p for p in parameters if not _described(p, _lent(doc))]
    assert not missing, f"{name}: {missing} not described in its docstring"


def test_the_check_itself_notices_a_parameter_left_out() -> None:
    def documented(frame: pd.DataFrame, *, limit: int = 3) -> None:
        """Use ``frame``."""

    assert [p for p in ("frame", "limit") if not _described(p, documented.__doc__ or "")] == ["limit"]
