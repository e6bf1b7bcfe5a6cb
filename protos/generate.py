"""Regenerate the checked-in Python code for every ``.proto`` under ``protos/``.

The one way to produce ``protos/credit/v2/*_pb2*.py`` and the ``.pyi`` stubs. Run ``make protos`` (or
``python -m protos.generate``) after editing a ``.proto``; ``tests/protos/test_generated.py`` fails when the
checked-in files differ from what this script produces.

Paths are given relative to the project root so that generated imports read ``from protos.credit.v2 import …``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def proto_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / "protos").rglob("*.proto"))


def generate(out_dir: Path, root: Path = ROOT) -> list[Path]:
    """Run protoc (grpcio-tools) for every proto into ``out_dir``; return the files written."""
    from grpc_tools import protoc

    well_known = str(resources.files("grpc_tools") / "_proto")
    sources = [str(p.relative_to(root)) for p in proto_files(root)]
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{root}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(root / s) for s in sources),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    return sorted(p for p in out_dir.rglob("*_pb2*.py*") if p.is_file())


def generated_files(root: Path = ROOT) -> dict[str, bytes]:
    """What the script produces now, keyed by path relative to the project root."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        return {str(p.relative_to(out)): p.read_bytes() for p in generate(out, root)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    # Generate into a scratch directory first so that a failing protoc leaves the checked-in files untouched.
    for rel, content in generated_files().items():
        target = ROOT / rel
        if not target.exists() or target.read_bytes() != content:
            target.write_bytes(content)
            print(f"wrote {rel}")
        else:
            print(f"unchanged {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
