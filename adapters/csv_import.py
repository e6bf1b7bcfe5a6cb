"""Import a 双公示 administrative-penalty CSV (layout: :mod:`adapters.csv_layout`) into a node's store.

All or nothing: :func:`parse_csv` checks every row and returns either the records or *every* problem found
(line as in the file — the header is line 1 —, column, reason); :func:`import_csv` writes only a file without
problems, in one transaction; importing the same file again adds nothing, and a row that changed since (repair
status, withdrawal, a correction) updates its record with the change kept in ``record_changes``
(:mod:`adapters.record_updates`; record ids and natural keys are derived from the authority's USCC and the
decision number). Identifier checksums are python-stdnum's, through
:mod:`merge.identifiers`. No error ever carries a full resident ID number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from adapters import csv_layout as col
from adapters.csv_kinds import KindLayout, check_rows, header_problems, kind_of_header
from adapters.csv_rows import RowChecker, shown
from adapters.record_updates import UpsertCounts
from adapters.store import record_id_for
from adapters.subject_register import RegisteredSubject
from merge.answer_document import SubjectStatus
from merge.domains import DEFAULT_COVERAGE
from merge.identifiers import SubjectKind
from merge.records import CoerciveMeasure, DishonestyListEntry, Licence, Penalty, Record
from merge.regions import Region


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str  # the Chinese header, or "" when the problem is the row or file as a whole
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}" if self.column else f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What :func:`parse_csv` found: the records when ``errors`` is empty, otherwise no records."""

    records: tuple[Penalty | DishonestyListEntry | CoerciveMeasure | Licence, ...]
    errors: tuple[RowError, ...]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: Path
    rows: int
    new: int
    #: Records the file named before whose row changed (updated, each change kept in ``record_changes``).
    changed: int
    unchanged: int
    errors: tuple[RowError, ...]

    @property
    def already_present(self) -> int:
        return self.changed + self.unchanged

    @property
    def ok(self) -> bool:
        return not self.errors


class RecordSink(Protocol):
    """What :func:`import_csv` needs of a store (:class:`adapters.store.SqlRecordStore` is one)."""

    async def update_records(self, records: Sequence[Record], *, source: str) -> UpsertCounts: ...


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else GB18030 (what spreadsheets on Chinese Windows save)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _header_errors(header: list[str]) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RowError(1, name, "column appears twice"))
        elif name and name not in col.COLUMNS:
            errors.append(RowError(1, shown(name), "unknown column"))
        seen.add(name)
    errors += [RowError(1, name, "required column is missing") for name in col.REQUIRED_COLUMNS if name not in seen]
    return errors


def parse_csv(
    path: Path, region: Region, *, today: date | None = None, coverage: Collection[str] | None = None
) -> ImportResult:
    """Check every row of ``path`` for ``region`` and build its records; ``today`` bounds decision dates and
    ``coverage`` (the domains the node declares, :mod:`adapters.coverage_file`) the domains a row may name."""
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        return ImportResult((), (RowError(1, "", "the file is neither UTF-8 nor GB18030 text"),), 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [col.normalise_header(name) for name in next(reader)]
    except StopIteration:
        return ImportResult((), (RowError(1, "", "the file is empty: the header line is missing"),), 0)
    except csv.Error as exc:
        return ImportResult((), (RowError(1, "", f"unreadable CSV: {exc}"),), 0)
    covered = frozenset(DEFAULT_COVERAGE[region] if coverage is None else coverage)
    layout = kind_of_header(header)
    if layout is not None:
        return _parse_other_kind(layout, header, reader, region, today or date.today(), covered)
    errors = _header_errors(header)
    if errors:
        return ImportResult((), tuple(errors), 0)
    checker = RowChecker(region, today or date.today(), covered)
    records: list[Penalty] = []
    first_seen: dict[tuple[str, str], int] = {}
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(line, "", f"unreadable CSV: {exc}"))
            break
        if not any(field.strip() for field in fields):
            continue  # blank line
        rows += 1
        if len(fields) != len(header):
            errors.append(RowError(line, "", f"has {len(fields)} fields, the header has {len(header)}"))
            continue
        values, problems = checker.check(dict(zip(header, fields, strict=True)))
        errors += [RowError(line, column, reason) for column, reason in problems]
        if problems:
            continue
        key = (values["authority_uscc"], values["decision_no"])
        if key in first_seen:
            reason = f"decision {shown(key[1])} of this authority already appears on line {first_seen[key]}"
            errors.append(RowError(line, col.DECISION_NO, reason))
            continue
        first_seen[key] = line
        try:
            penalty = Penalty.model_validate({"region_code": region.code, "record_id": "", **values})
        except ValidationError as exc:
            errors.append(RowError(line, "", f"not a valid record: {exc.error_count()} problem(s)"))
            continue
        records.append(penalty.model_copy(update={"record_id": record_id_for(penalty.dedup_key)}))
    if errors:
        return ImportResult((), tuple(errors), rows)
    return ImportResult(tuple(records), (), rows)


def _rows(reader: Any, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows with their line numbers (the header is line 1); an unreadable row ends the file."""
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(RowError(line, "", f"unreadable CSV: {exc}"))
            return
        if any(field.strip() for field in fields):
            yield line, fields


def _parse_other_kind(
    layout: KindLayout, header: list[str], reader: Any, region: Region, today: date, covered: frozenset[str]
) -> ImportResult:
    """A list-entry or coercive-measure file (:mod:`adapters.csv_kinds`), all rows or none."""
    problems = header_problems(layout, header)
    if problems:
        return ImportResult((), tuple(RowError(*p) for p in problems), 0)
    errors: list[RowError] = []
    records, row_problems, rows = check_rows(layout, header, _rows(reader, errors), region, today, covered)
    errors = [RowError(*p) for p in row_problems] + errors
    if errors:
        return ImportResult((), tuple(errors), rows)
    return ImportResult(tuple(records), (), rows)


class SubjectSink(Protocol):
    async def register(self, entries: Iterable[RegisteredSubject], *, replace: bool = True) -> None: ...


def named_subjects(
    records: Iterable[Penalty | DishonestyListEntry | CoerciveMeasure | Licence],
) -> list[RegisteredSubject]:
    """The subjects a file's records name (identifier and 行政相对人名称), as not registered in this region: a
    penalty file says who was fined, not who the region registered. The last row naming a subject wins."""
    named: dict[str, RegisteredSubject] = {}
    for record in records:
        identifier, kind = (
            (record.uscc, SubjectKind.ENTERPRISE) if record.uscc else (record.id_number, SubjectKind.PERSON)
        )
        if identifier:
            named[identifier] = RegisteredSubject(kind, identifier, record.subject_name, SubjectStatus.NOT_REGISTERED)
    return list(named.values())


async def import_csv(
    store: RecordSink,
    path: Path,
    region: Region,
    *,
    register: SubjectSink | None = None,
    coverage: Collection[str] | None = None,
) -> ImportReport:
    """Check ``path`` and, only if every row is good, add its records to ``store`` in one transaction, and the
    subjects they name to ``register`` (keeping what the register already holds of them). Rows may name only
    the domains in ``coverage`` (what the node declares; the region's default when not given)."""
    result = parse_csv(path, region, coverage=coverage)
    if not result.ok:
        return ImportReport(path, result.rows, 0, 0, 0, result.errors)
    counts = await store.update_records(list(result.records), source=path.name)
    if register is not None:
        await register.register(named_subjects(result.records), replace=False)
    return ImportReport(path, result.rows, counts.added, counts.changed, counts.unchanged, ())
