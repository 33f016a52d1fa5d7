"""`python -m opus_nb.emulator [--port N] [--db FILE] [--seed DIR]`, as `opus-nb emulator`."""

from __future__ import annotations

import sys

from opus_nb.emulator.cli import main

sys.exit(main())
