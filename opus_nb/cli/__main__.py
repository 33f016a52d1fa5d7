"""`python -m opus_nb.cli ...`: the same as `opus-nb ...`."""

import sys

from opus_nb.cli import main

sys.exit(main())
