"""The public surface: one sorted `__all__`, every name documented, every error and warning a user can meet exported."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import opus_nb


def _modules() -> list[object]:
    """Every module of the library (the emulator and the demo command have surfaces of their own)."""
    names = [
        m.name
        for m in pkgutil.walk_packages(opus_nb.__path__, "opus_nb.")
        if not m.name.startswith(("opus_nb.emulator", "opus_nb.cli._demo", "opus_nb.cli._lab"))
        and not m.name.endswith("__main__")
    ]
    return [importlib.import_module(name) for name in names]


def test_all_is_sorted_and_every_name_is_there() -> None:
    assert opus_nb.__all__ == sorted(opus_nb.__all__, key=str.casefold)
    assert len(set(opus_nb.__all__)) == len(opus_nb.__all__)
    missing = [name for name in opus_nb.__all__ if not hasattr(opus_nb, name)]
    assert missing == []


def test_every_public_name_is_documented() -> None:
    undocumented = [name for name in opus_nb.__all__ if not inspect.getdoc(getattr(opus_nb, name))]
    assert undocumented == []


def test_every_error_and_warning_a_user_can_meet_is_exported() -> None:
    found: set[str] = set()
    for module in _modules():
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and issubclass(value, opus_nb.OpusError | Warning)
            ):
                found.add(name)
    assert found - set(opus_nb.__all__) == set()


def test_every_error_derives_from_opus_error_and_every_warning_from_user_warning() -> None:
    for name in opus_nb.__all__:
        value = getattr(opus_nb, name)
        if inspect.isclass(value) and issubclass(value, Exception) and not issubclass(value, Warning):
            assert issubclass(value, opus_nb.OpusError), name
        if inspect.isclass(value) and issubclass(value, Warning):
            assert issubclass(value, UserWarning), name


LAYERS = ["records", "client", "jobs", "reviews", "widgets", "cli"]


def test_each_layer_re_exports_a_sorted_documented_surface() -> None:
    for name in LAYERS:
        layer = importlib.import_module(f"opus_nb.{name}")
        assert inspect.getdoc(layer), name
        assert layer.__all__ == sorted(layer.__all__, key=str.casefold), name
        assert [n for n in layer.__all__ if not inspect.getdoc(getattr(layer, n))] == [], name


def test_the_facade_is_made_of_the_layers_surfaces() -> None:
    """What the top level offers, a layer offers too (errors and warnings come from opus_nb._errors)."""
    offered = {n for name in LAYERS for n in importlib.import_module(f"opus_nb.{name}").__all__}
    errors = {
        n for n in opus_nb.__all__ if inspect.isclass(getattr(opus_nb, n)) and getattr(opus_nb, n).__module__ == "opus_nb._errors"
    }
    assert set(opus_nb.__all__) - offered - errors == set()


def test_no_public_name_shadows_a_module() -> None:
    """`opus_nb.submit` is the function: no public name is also a module or package of opus_nb."""
    modules = {m.name.rpartition(".")[2] for m in pkgutil.iter_modules(opus_nb.__path__)}
    assert set(opus_nb.__all__) & modules == set()
    assert callable(opus_nb.submit) and callable(opus_nb.destroy) and callable(opus_nb.review)
