"""`opus-nb emulator`: serve the emulator from the shell, and register apps with a running one.

```
opus-nb emulator [--port N] [--db FILE] [--seed data-samples/] [--manual-approval] [--token-lifetime S]
                 [--destroy-status 200|204] [--answer-shape keys|objects|problem]
opus-nb emulator register-app --url http://127.0.0.1:N [--credential certificate|secret] [--out DIR]
```

A port outside 0-65535 or a token lifetime under one second is one line and exit status 2, as
every refused argument is.

The serving process freezes the objects it started with (`gc.freeze`), so that Python's full
collection, which would otherwise walk them all, does not hold every request in flight for a
tenth of a second now and then.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from opus_nb._errors import OpusError
from opus_nb.emulator.answers import ANSWER_SHAPES, DESTROY_STATUSES
from opus_nb.emulator.connector import REQUIRED_SCOPE
from opus_nb.emulator.options import check_port, check_token_lifetime
from opus_nb.emulator.registration import describe, register_over_http
from opus_nb.emulator.server import Emulator

__all__ = ["build_parser", "main", "register"]

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` command (and its `register-app` sub-command) to the `opus-nb` parser."""
    parser = sub.add_parser("emulator", help="run a local Opus emulator", description=__doc__.splitlines()[0])
    _serve_options(parser)
    parser.set_defaults(run=serve)
    nested = parser.add_subparsers(dest="emulator_command", metavar="SUBCOMMAND")
    reg = nested.add_parser("register-app", help="register an app with a running emulator")
    reg.add_argument("--url", required=True, help="the emulator's URL, as it printed on start")
    reg.add_argument("--credential", choices=["certificate", "secret"], default="certificate")
    reg.add_argument("--scopes", nargs="+", default=[REQUIRED_SCOPE], metavar="SCOPE")
    reg.add_argument("--out", type=Path, default=None, help="folder for the certificate and .env (default: under ~/.opus_nb)")
    reg.add_argument("--valid-days", type=int, default=365, help="how long the new certificate is valid")
    reg.set_defaults(run=register_app)


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file that keeps everything across restarts")
    parser.add_argument("--seed", type=Path, default=None, help="folder with connection.json, choices.json, terms.json")
    parser.add_argument("--manual-approval", action="store_true", help="only approved records can be destroyed")
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS", help="access token lifetime")
    parser.add_argument(
        "--destroy-status", type=int, choices=DESTROY_STATUSES, default=200, help="a destroy's success: 200 and a body, or 204"
    )
    parser.add_argument(
        "--answer-shape",
        choices=ANSWER_SHAPES,
        default="keys",
        help="refusals: failed keys, {item, message} objects, ProblemDetails",
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(args: argparse.Namespace) -> int:
    """Start the emulator, print where it is and how to register an app, and serve until stopped."""
    check_port(args.port, "--port")
    check_token_lifetime(args.token_lifetime, "--token-lifetime")
    emu = Emulator(
        host=args.host,
        port=args.port,
        db=args.db,
        seed=args.seed,
        manual_approval=True if args.manual_approval else None,
        token_lifetime_s=args.token_lifetime,
        destroy_status=args.destroy_status,
        answer_shape=args.answer_shape,
    ).start()
    gc.freeze()  # this process only serves now: a full collection need not walk its start-up objects
    try:
        print(banner(emu, args), flush=True)
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        while emu.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


def banner(emu: Any, args: argparse.Namespace) -> str:
    """What `opus-nb emulator` prints on start (no secrets)."""
    lines = [
        f"Opus emulator running at {emu.url}  (Ctrl+C stops it)",
        f"  connector API:     {emu.url}/records/connector/records  (older API: {emu.url}/api/connector/...)",
        f"  identity service:  {emu.identity_url}  (token endpoint {emu.token_url})",
        f"  storage:           {args.db if args.db else 'in memory (use --db FILE to keep it)'}",
        f"  terms:             {len(emu.terms)}",
        f"  answers:           destroy {emu.destroy_status}, refusals as {emu.answer_shape}",
    ]
    for conn in emu.connections:
        lines.append(f"  connection:        {conn.id}  (JSON: {emu.url}/emulator/connections/{conn.id})")
    if args.host not in LOOPBACK:
        lines.append(f"  WARNING: bound to {args.host}; other machines can reach this emulator")
    lines += [
        "Register an app (writes a certificate and a .env with the sign-in settings):",
        f"  opus-nb emulator register-app --url {emu.url} [--credential secret] [--out DIR]",
    ]
    return "\n".join(lines)


def register_app(args: argparse.Namespace) -> int:
    """Register an app with the emulator at --url; print where its files are (never the secrets)."""
    reg = register_over_http(
        args.url, scopes=args.scopes, credential=args.credential, directory=args.out, valid_days=args.valid_days
    )
    print(describe(reg))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """A parser with only the emulator command (for `python -m opus_nb.emulator`)."""
    parser = argparse.ArgumentParser(prog="opus-nb")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """`python -m opus_nb.emulator [options]`: the same as `opus-nb emulator [options]`."""
    args = build_parser().parse_args(["emulator", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.run(args) or 0)
    except OpusError as exc:
        print(f"opus-nb: {exc}", file=sys.stderr)
        return 2
