"""The fonts every report PDF is set in, prepared once from Debian's ``fonts-noto-cjk``.

Rendering never depends on the fonts a machine happens to have: the stylesheet names our own families,
``@font-face`` points them at files under the font cache by ``file://`` URL, and those files hold every glyph
a report uses, so fontconfig's fallback to system fonts is never reached.

One weight (regular: a second, bold face cost every render another font subset, about 20 ms, so emphasis
is colour and size), two faces, both the Simplified Chinese face of Noto Sans CJK (the ``.ttc`` holds JP/KR/SC/TC/HK
faces; a collection handed to fontconfig would give us whichever comes first, the Japanese one):

- ``JJJ Sans``: pre-subset to GB 2312 (6,763 hanzi and 682 symbols), ASCII, Latin-1, general and CJK
  punctuation and full-width forms. Each render subsets the embedded font again, and subsetting a 14k-glyph
  face instead of a 65k-glyph one is most of what a render costs in font work.
- ``JJJ Sans Full``: the whole SC face, listed second in ``font-family``, for the rarer characters outside
  GB 2312 (names such as 喆 or 堃); it is embedded only in a report that uses such a character.

Building takes about 15 s with fontTools and happens once: ``python -m broker.pdf.fonts`` (run by
``make``) or the first render. Files go to ``$JJJ_FONT_CACHE`` or ``~/.cache/jjj/fonts`` under a name that
includes the source font's size and mtime and :data:`BUILD_VERSION`, so an updated font package or a change of
recipe rebuilds; files appear atomically (rename), so concurrent builders never see half a font.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

#: Bump when the subset recipe changes, to rebuild cached files.
BUILD_VERSION = 1
FAMILY = "JJJ Sans"
FAMILY_FULL = "JJJ Sans Full"
_SC_FAMILY = "Noto Sans CJK SC"
_SOURCE_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),  # Debian / Ubuntu fonts-noto-cjk
    Path("/usr/share/fonts/noto-cjk"),  # Fedora, Arch
    Path("/usr/share/fonts/google-noto-cjk"),
)
_SOURCE_FILE = "NotoSansCJK-Regular.ttc"
# Beyond GB 2312: ASCII and Latin-1, general punctuation (— … ‘’ “”), ①-⑳, CJK symbols (、。〈〉《》「」【】),
# full-width forms (，：；（）).
_EXTRA_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2460, 0x24FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))


class FontsMissing(RuntimeError):
    """The Noto Sans CJK source fonts are not installed (Debian package ``fonts-noto-cjk``)."""


@dataclass(frozen=True, slots=True)
class FontFiles:
    """Paths of the prepared faces: the pre-subset one and the full one."""

    regular: Path
    regular_full: Path


class FontSettings(BaseSettings):
    """Where the prepared faces are kept: ``JJJ_FONT_CACHE``, else ``$XDG_CACHE_HOME/jjj/fonts``, else
    ``~/.cache/jjj/fonts`` (built once per machine; the PDF workers read it, so it is not per process)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    jjj_font_cache: Path | None = None
    xdg_cache_home: Path | None = None


def cache_dir() -> Path:
    settings = FontSettings()
    if settings.jjj_font_cache is not None:
        return settings.jjj_font_cache
    return (settings.xdg_cache_home or Path.home() / ".cache") / "jjj" / "fonts"


def source_font() -> Path:
    """The installed Noto Sans CJK collection (regular weight)."""
    for directory in _SOURCE_DIRS:
        candidate = directory / _SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise FontsMissing(
        f"{_SOURCE_FILE} not found in {', '.join(map(str, _SOURCE_DIRS))}; "
        "install the Debian package fonts-noto-cjk (make system)"
    )


def _gb2312_characters() -> set[int]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found: set[int] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def subset_characters() -> set[int]:
    chars = _gb2312_characters()
    for first, last in _EXTRA_RANGES:
        chars.update(range(first, last + 1))
    return chars


def _sc_face_index(source: Path) -> int:
    from fontTools.ttLib import TTCollection

    with TTCollection(str(source), lazy=True) as collection:
        for index, face in enumerate(collection.fonts):
            if face["name"].getDebugName(1) == _SC_FAMILY:
                return index
    raise FontsMissing(f"{source} has no {_SC_FAMILY!r} face")


def _write_atomically(target: Path, face: TTFont) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    face.save(str(tmp))
    tmp.replace(target)


def _build_full(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont

    # lazy: the tables are copied as they are, in well under a second.
    with TTFont(str(source), fontNumber=_sc_face_index(source), lazy=True) as face:
        _write_atomically(target, face)


def _build_subset(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont

    with TTFont(str(source), fontNumber=_sc_face_index(source)) as face:
        _subset(face)
        _write_atomically(target, face)


def _subset(face: TTFont) -> None:
    from fontTools import subset

    options = subset.Options()
    options.hinting = False  # weasyprint drops hinting when it embeds anyway
    options.notdef_outline = True
    options.name_IDs = ["*"]  # keep copyright and licence (SIL OFL) names
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset_characters())
    subsetter.subset(face)


def _target(source: Path, kind: str) -> Path:
    stat = source.stat()
    return cache_dir() / f"{source.stem}-SC-{kind}-v{BUILD_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.otf"


def ensure_fonts() -> FontFiles:
    """Prepare the faces if they are not cached yet and return their paths. Idempotent."""
    source = source_font()
    paths: dict[str, Path] = {}
    for kind, build in (("full", _build_full), ("subset", _build_subset)):
        target = _target(source, kind)
        if not target.is_file():
            build(source, target)
        paths[kind] = target
    return FontFiles(regular=paths["subset"], regular_full=paths["full"])


def font_face_css(files: FontFiles) -> str:
    """``@font-face`` rules for our two families, by ``file://`` URL."""
    rules = [
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); }}'
        for family, path in ((FAMILY, files.regular), (FAMILY_FULL, files.regular_full))
    ]
    # One weight only: nothing may ask for bold, or fontconfig would look for a bold face elsewhere.
    rules.append(f':root, * {{ font-family: "{FAMILY}", "{FAMILY_FULL}"; font-weight: normal !important; }}')
    return "\n".join(rules) + "\n"


def main() -> int:
    """``python -m broker.pdf.fonts``: build the cached faces and print where they are."""
    try:
        files = ensure_fonts()
    except FontsMissing as exc:
        print(f"fonts: {exc}", file=sys.stderr)
        return 1
    for path in (files.regular, files.regular_full):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
