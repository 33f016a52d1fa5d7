"""A local AvePoint Opus: identity service and connector API over real HTTP, backed by SQLite.

>>> import opus_nb.emulator
>>> with opus_nb.emulator.run(seed="data-samples/") as emu:          # doctest: +SKIP
...     app = emu.register_app(credential="secret")
...     emu.url, emu.identity_url

It behaves as AvePoint's documents say (both API generations, the 15-record limits, paging
tokens, per-record failures with 418, holds, manual approval, destroyed state) and injects
faults on request. Where the documents are silent it makes one documented choice; see
`opus_nb/emulator/ASSUMPTIONS.md`. From the shell: `opus-nb emulator --seed data-samples/`.
"""

from __future__ import annotations

from opus_nb.emulator.errors import EmulatorConfigError, EmulatorError, EmulatorStartError, UnknownRecordsError
from opus_nb.emulator.faults import FaultPlan, RequestLogEntry
from opus_nb.emulator.registration import AppRegistration
from opus_nb.emulator.server import Emulator, run, start
from opus_nb.emulator.tenant import StoredRecord

__all__ = [
    "AppRegistration",
    "Emulator",
    "EmulatorConfigError",
    "EmulatorError",
    "EmulatorStartError",
    "FaultPlan",
    "RequestLogEntry",
    "StoredRecord",
    "UnknownRecordsError",
    "run",
    "start",
]
