"""``python -m adapters …``: the same as ``jjj-adapter …``."""

from adapters.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
