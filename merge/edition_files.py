"""Editions as data: one TOML file per edition, shipped in ``merge/editions/`` and added to by operators.

An edition file names the edition and its version and states its rules (the fields of
:class:`merge.edition_rules.EditionRule`; ``merge/editions/README.md`` documents each). Broker and nodes load the
same files: the package's defaults, then every ``*.toml`` in the directory named by ``JJJ_EDITIONS_DIR`` (an
operator's industry editions; a file there may also replace a default by giving a new version). Each edition has
a digest over its parsed rules, so two sides agree on an edition exactly when name, version and digest agree —
the broker puts all three in the warrant and a node refuses a query for an edition it does not hold identically.

A malformed file stops the process at start-up with :class:`EditionFileError`, naming the file and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from merge.identifiers import SubjectKind

if TYPE_CHECKING:
    from merge.editions import Edition

#: The environment variable naming the operator's edition directory (same on broker and nodes).
EDITIONS_DIR_ENV = "JJJ_EDITIONS_DIR"
DEFAULTS_DIR = Path(__file__).with_name("editions")

_SHIPPED = ("standard", "administrative", "listing", "person", "financial")
_NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")
_VERSION = re.compile(r"[0-9A-Za-z.\-]{1,16}")
_FLAGS = ("omit_minor", "omit_repaired", "omit_past_publicity", "omit_removed_list_entries")
_KNOWN = {
    "name", "version", "display_name", "subject_kinds", *_FLAGS, "fixed_window_months",
    "explicit_statement_per_domain", "subject_list", "department_confirmation",
}  # fmt: skip


class EditionFileError(ValueError):
    """An edition file is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class EditionSpec:
    """One edition's parsed file."""

    name: str
    version: str
    display_name: str
    subject_kinds: frozenset[SubjectKind]
    omit_minor: bool
    omit_repaired: bool
    omit_past_publicity: bool
    omit_removed_list_entries: bool
    fixed_window_months: int | None
    explicit_statement_per_domain: bool
    #: The name of the subject list a subject must be on for this edition (``None``: any subject).
    subject_list: str | None
    #: Each record's owning department confirms it (or annotates it), sealed, before the report is issued
    #: (the financial edition); the report stays ``pending`` meanwhile (:mod:`merge.confirmations`).
    department_confirmation: bool = False

    @property
    def edition(self) -> Edition:
        from merge.editions import Edition  # merge.editions builds on this module

        return Edition(self.name)

    @property
    def digest(self) -> str:
        """sha256 over the parsed rules in canonical JSON: formatting and comments do not change it."""
        # Every answer and report names its edition's digest; computing it anew cost ~4 % of the broker's CPU.
        return _digest_of(self)


@lru_cache(maxsize=256)
def _digest_of(spec: EditionSpec) -> str:
    """:attr:`EditionSpec.digest`, remembered per spec (a frozen value: equal specs have equal digests)."""
    fields: dict[str, Any] = asdict(spec)
    fields["subject_kinds"] = sorted(kind.value for kind in spec.subject_kinds)
    if not spec.department_confirmation:
        del fields["department_confirmation"]  # editions from before the field keep their digests
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _field(data: Mapping[str, Any], source: str, name: str, kind: type, *, default: Any = ...) -> Any:
    if name not in data:
        if default is ...:
            raise EditionFileError(f"{source}: field {name}: missing")
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise EditionFileError(f"{source}: field {name}: must be a {kind.__name__}")
    return value


def parse_edition(text: str, source: str) -> EditionSpec:
    """The edition stated by one file's ``text`` (``source`` names it in errors). Pure: no I/O."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EditionFileError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise EditionFileError(f"{source}: field {unknown[0]}: unknown field")
    name = _field(data, source, "name", str)
    if not _NAME.fullmatch(name):
        raise EditionFileError(f"{source}: field name: lower-case letters, digits and _ (2 to 32), starting a-z")
    version = _field(data, source, "version", str)
    if not _VERSION.fullmatch(version):
        raise EditionFileError(f"{source}: field version: 1 to 16 of 0-9 A-Z a-z . -")
    display_name = _field(data, source, "display_name", str)
    if not display_name.strip():
        raise EditionFileError(f"{source}: field display_name: must not be empty")
    kinds = _field(data, source, "subject_kinds", list)
    try:
        subject_kinds = frozenset(SubjectKind(kind) for kind in kinds)
    except (ValueError, TypeError):
        raise EditionFileError(f"{source}: field subject_kinds: each must be 'enterprise' or 'person'") from None
    if not subject_kinds:
        raise EditionFileError(f"{source}: field subject_kinds: must name at least one kind")
    months = _field(data, source, "fixed_window_months", int, default=None)
    if months is not None and not 1 <= months <= 120:
        raise EditionFileError(f"{source}: field fixed_window_months: must be 1 to 120")
    subject_list = _field(data, source, "subject_list", str, default=None)
    if subject_list is not None and not _NAME.fullmatch(subject_list):
        raise EditionFileError(f"{source}: field subject_list: lower-case letters, digits and _")
    flags = {flag: _field(data, source, flag, bool) for flag in _FLAGS}
    confirmation = _field(data, source, "department_confirmation", bool, default=False)
    if confirmation and subject_kinds != {SubjectKind.ENTERPRISE}:
        # A pending report keeps its subject's identifier in the clear until issued: a USCC is public, an ID is not.
        raise EditionFileError(f"{source}: field department_confirmation: only for an enterprise-only edition")
    return EditionSpec(
        name=name,
        version=version,
        display_name=display_name,
        subject_kinds=subject_kinds,
        fixed_window_months=months,
        explicit_statement_per_domain=_field(data, source, "explicit_statement_per_domain", bool),
        subject_list=subject_list,
        department_confirmation=confirmation,
        **flags,
    )


class EditionCatalogue(Mapping[str, EditionSpec]):
    """The editions a process knows, by name, in the order loaded (defaults first)."""

    def __init__(self, specs: Mapping[str, EditionSpec]) -> None:
        self._specs = dict(specs)

    def __getitem__(self, name: str) -> EditionSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


def _read_directory(directory: Path, specs: dict[str, EditionSpec], *, defaults: bool) -> None:
    if not directory.is_dir():
        raise EditionFileError(f"{directory}: {EDITIONS_DIR_ENV} is not a directory")
    seen: dict[str, Path] = {}
    # The shipped editions in their display order, then any others by file name.
    paths = sorted(
        directory.glob("*.toml"), key=lambda p: (_SHIPPED.index(p.stem) if p.stem in _SHIPPED else 99, p.name)
    )
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EditionFileError(f"{path}: unreadable: {exc}") from None
        spec = parse_edition(text, str(path))
        if spec.name in seen:
            raise EditionFileError(f"{path}: field name: {spec.name!r} is also defined in {seen[spec.name]}")
        seen[spec.name] = path
        shipped = specs.get(spec.name)
        if not defaults and shipped is not None and shipped.version == spec.version and shipped != spec:
            raise EditionFileError(f"{path}: field version: changes edition {spec.name!r} without a new version")
        specs[spec.name] = spec


def load_catalogue(extra_dir: str | Path | None = None) -> EditionCatalogue:
    """The shipped editions, then those of ``extra_dir`` (an operator's directory), or EditionFileError."""
    specs: dict[str, EditionSpec] = {}
    _read_directory(DEFAULTS_DIR, specs, defaults=True)
    if extra_dir is not None and str(extra_dir):
        _read_directory(Path(extra_dir), specs, defaults=False)
    return EditionCatalogue(specs)


_installed: EditionCatalogue | None = None


def install(catalogue: EditionCatalogue) -> None:
    """Make ``catalogue`` this process's editions (start-up, or a test that builds its own)."""
    global _installed
    _installed = catalogue


def catalogue() -> EditionCatalogue:
    """This process's editions: the installed catalogue, or on first use the defaults plus ``JJJ_EDITIONS_DIR``."""
    if _installed is None:
        install(load_catalogue(os.environ.get(EDITIONS_DIR_ENV)))
    assert _installed is not None
    return _installed
