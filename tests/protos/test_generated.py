"""The checked-in generated code equals what ``protos/generate.py`` produces from the ``.proto`` sources now."""

from __future__ import annotations

import shutil
from pathlib import Path

from protos.generate import ROOT, generated_files


def _checked_in(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "protos").rglob("*_pb2*.py*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_checked_in_generated_code_is_current() -> None:
    fresh = generated_files()
    checked_in = _checked_in(ROOT)
    assert sorted(fresh) == sorted(checked_in), "generated file set differs: run `python -m protos.generate`"
    stale = [rel for rel, content in fresh.items() if checked_in[rel] != content]
    assert not stale, f"stale generated code, run `python -m protos.generate`: {stale}"


def test_a_changed_proto_makes_the_checked_in_code_stale(tmp_path: Path) -> None:
    # The check above must be able to fail: edit a copy of the sources and compare against the checked-in files.
    shutil.copytree(ROOT / "protos", tmp_path / "protos", ignore=shutil.ignore_patterns("__pycache__"))
    proto = tmp_path / "protos" / "credit" / "v2" / "adapter.proto"
    source = proto.read_text(encoding="utf-8")
    edited = source.replace("message DescribeRequest {}", "message DescribeRequest {\n  string probe = 1;\n}")
    assert edited != source
    proto.write_text(edited, encoding="utf-8")

    fresh = generated_files(tmp_path)
    checked_in = _checked_in(ROOT)
    assert fresh["protos/credit/v2/adapter_pb2.py"] != checked_in["protos/credit/v2/adapter_pb2.py"]
    # The service stub does not change with a message field; the message module and its stub do.
    assert fresh["protos/credit/v2/adapter_pb2.pyi"] != checked_in["protos/credit/v2/adapter_pb2.pyi"]
