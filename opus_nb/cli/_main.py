"""The `opus-nb` command: the same jobs as the library, for scripts and the shell.

```
opus-nb demo                         # the offline path on data-samples/, end to end
opus-nb validate SHEET --connection FILE [--choices FILE] [-o errors.csv]
opus-nb submit SHEET --connection FILE [--conflict skip|overwrite] [--resume]
opus-nb due --before DATE -o due.csv
opus-nb destroy --from approved.csv --yes
opus-nb emulator [--port N] [--db FILE] [--seed data-samples/]
opus-nb lab                          # JupyterLab on 127.0.0.1 with the emulator running
```

Each sub-command lives beside the feature it drives; this module only wires them up.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from opus_nb._errors import MissingExtra, OpusError
from opus_nb.cli import _demo, _jobs, _lab, _validate

__all__ = ["main"]

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    return [_demo.register, _validate.register_validate, _jobs.register, _emulator_registrar(), _lab.register]


def _emulator_registrar() -> Registrar:
    """The emulator's sub-command, or without the [emulator] extra one that says to install it."""
    try:
        from opus_nb.emulator.cli import register  # the [emulator] extra: starlette and uvicorn
    except MissingExtra as missing:
        return functools.partial(_register_missing_emulator, missing)
    return register


def _register_missing_emulator(missing: MissingExtra, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("emulator", help=f"a local Opus emulator ({missing})")

    def run(args: argparse.Namespace) -> int:
        raise missing

    parser.set_defaults(run=run, any_options=True)


class OneLineErrors(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and exit 2), as the typed errors are; its sub-commands'
    parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = OneLineErrors(prog="opus-nb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; typed errors print one line and exit 2, never a traceback."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "any_options", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.run(args) or 0)
    except OpusError as exc:
        print(f"opus-nb: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
