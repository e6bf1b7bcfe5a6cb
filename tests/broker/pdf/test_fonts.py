"""The report's fonts: the Simplified Chinese face of Noto Sans CJK, pre-subset to GB 2312, plus the full face."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from broker.pdf import fonts


@pytest.fixture(scope="module")
def files() -> fonts.FontFiles:
    return fonts.ensure_fonts()


def test_subset_covers_gb2312_ascii_and_punctuation() -> None:
    chars = fonts.subset_characters()
    for text in ("京津冀市场监管罚款没收违法所得", "ABCxyz0123456789-:/?=", "，。、；：（）《》“”—…【】①"):
        missing = [c for c in text if ord(c) not in chars]
        assert not missing, missing
    assert ord("喆") not in chars  # outside GB 2312: the full face prints it
    assert len(chars) > 7000


def test_faces_are_simplified_chinese_and_the_subset_is_smaller(files: fonts.FontFiles) -> None:
    with (
        TTFont(str(files.regular), lazy=True) as subset,
        TTFont(str(files.regular_full), lazy=True) as full,
    ):
        assert full["name"].getDebugName(1) == "Noto Sans CJK SC"  # not the collection's first (JP) face
        assert subset["name"].getDebugName(1) == "Noto Sans CJK SC"
        assert subset["maxp"].numGlyphs < full["maxp"].numGlyphs // 3
        cmap = subset.getBestCmap()
        assert ord("冀") in cmap
        assert ord("喆") not in cmap
        assert ord("喆") in full.getBestCmap()


def test_ensure_fonts_is_idempotent(files: fonts.FontFiles) -> None:
    before = {path: path.stat().st_mtime_ns for path in (files.regular, files.regular_full)}
    again = fonts.ensure_fonts()
    assert again == files
    assert {path: path.stat().st_mtime_ns for path in before} == before


def test_font_face_css_points_at_the_files(files: fonts.FontFiles) -> None:
    css = fonts.font_face_css(files)
    for path in (files.regular, files.regular_full):
        assert f'url("{path.as_uri()}")' in css
    assert f'font-family: "{fonts.FAMILY}", "{fonts.FAMILY_FULL}"' in css


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JJJ_FONT_CACHE", str(tmp_path / "fonts"))
    assert fonts.cache_dir() == tmp_path / "fonts"
    monkeypatch.delenv("JJJ_FONT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fonts.cache_dir() == tmp_path / "xdg" / "jjj" / "fonts"
