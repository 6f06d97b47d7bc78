# SPDX-License-Identifier: BSD-3-Clause
"""The ending both entry scripts share: errors and ^C to exit codes."""

import sys

from .env import BenchError


def run_main(main, prog):
    """sys.exit(main()); a BenchError is one line on stderr and exit 1,
    ^C exit 130."""
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        sys.exit(130)
