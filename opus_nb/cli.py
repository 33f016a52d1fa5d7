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
import sys
from collections.abc import Callable, Sequence

from opus_nb.errors import OpusError

__all__ = ["main"]

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    from opus_nb import demo
    from opus_nb.client_cli import register as register_client
    from opus_nb.commands import register_validate
    from opus_nb.emulator.cli import register as register_emulator
    from opus_nb.lab import register as register_lab

    return [demo.register, register_validate, register_client, register_emulator, register_lab]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opus-nb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; typed errors print one line and exit 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except OpusError as exc:
        print(f"opus-nb: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
