"""``python -m bench [--quick] [--json] [--only PART]`` (what ``make bench`` runs)."""

import sys

from bench.runner import main

if __name__ == "__main__":
    sys.exit(main())
