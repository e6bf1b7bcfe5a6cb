"""CSV layouts for the record kinds other than penalties: serious-dishonesty list entries (严重失信主体名单),
coercive measures (行政强制) and administrative licences (行政许可, the 双公示 licensing layout), with Chinese headers
as the credit platforms publish them.

A file's kind is told by its header (:func:`kind_of_header`): 行政处罚决定书文号 → penalty (:mod:`adapters.csv_layout`),
名单名称 → list entry, 行政强制决定书文号 → coercive measure,
行政许可决定文书号 → licence. Rows are checked like penalty rows — every problem
named by line and column, resident IDs masked — and :func:`check_rows` gives the records only when none has a
problem. A subject is identified by 统一社会信用代码 (enterprise) or 证件号码 (person, 居民身份证), exactly one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from adapters.csv_rows import parse_date, shown
from adapters.store import record_id_for
from merge.domains import DOMAIN_BY_CODE, DOMAIN_BY_NAME
from merge.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id, validate_uscc
from merge.records import CoerciveMeasure, DishonestyListEntry, Licence, LicenceCategory, RecordKind
from merge.regions import Region

SUBJECT_NAME, USCC, ID_NUMBER, DOMAIN = "主体名称", "统一社会信用代码", "证件号码", "领域"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    field: str
    kind: str = "text"  # text | date
    required: bool = False
    #: The values allowed (an enumeration of the standard), if any.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KindLayout:
    kind: RecordKind
    model: type[DishonestyListEntry] | type[CoerciveMeasure] | type[Licence]
    #: The header that tells this layout from the others.
    marker: str
    columns: tuple[Column, ...]
    #: The date an entry starts from, which must not be in the future.
    start_field: str

    @property
    def headers(self) -> frozenset[str]:
        return frozenset({SUBJECT_NAME, USCC, ID_NUMBER, DOMAIN, *(c.header for c in self.columns)})

    @property
    def required_headers(self) -> tuple[str, ...]:
        return (SUBJECT_NAME, DOMAIN, *(c.header for c in self.columns if c.required))


LIST_ENTRY = KindLayout(
    RecordKind.DISHONESTY_LIST_ENTRY, DishonestyListEntry, "名单名称",
    (
        Column("名单名称", "list_name", required=True), Column("认定机关", "authority_name", required=True),
        Column("认定文书编号", "document_no", required=True), Column("列入日期", "listed_on", "date", True),
        Column("移出日期", "removed_on", "date"), Column("列入事由", "reason"),
    ),
    "listed_on",
)  # fmt: skip
COERCIVE_MEASURE = KindLayout(
    RecordKind.COERCIVE_MEASURE, CoerciveMeasure, "行政强制决定书文号",
    (
        Column("行政强制决定书文号", "document_no", required=True),
        Column("强制措施类型", "measure_type", required=True),
        Column("实施机关", "authority_name", required=True), Column("决定日期", "decided_on", "date", True),
        Column("解除日期", "lifted_on", "date"), Column("事由", "reason"),
    ),
    "decided_on",
)  # fmt: skip
LICENCE = KindLayout(
    RecordKind.LICENCE, Licence, "行政许可决定文书号",
    (
        Column("行政许可决定文书名称", "document_name", required=True),
        Column("行政许可决定文书号", "document_no", required=True),
        Column("许可类别", "category", required=True, choices=tuple(c.value for c in LicenceCategory)),
        Column("许可证书名称", "certificate_name"), Column("许可编号", "licence_no"),
        Column("许可内容", "content", required=True), Column("许可决定日期", "decided_on", "date", True),
        Column("有效期自", "valid_from", "date"), Column("有效期至", "valid_until", "date"),
        Column("许可机关", "authority_name", required=True), Column("许可机关统一社会信用代码", "authority_uscc"),
        Column("数据来源单位", "data_source"), Column("备注", "remarks"),
    ),
    "decided_on",
)  # fmt: skip
LAYOUTS: tuple[KindLayout, ...] = (LIST_ENTRY, COERCIVE_MEASURE, LICENCE)
PENALTY_MARKER = "行政处罚决定书文号"

Problem = tuple[int, str, str]  # line, column ("" for the row), reason


def kind_of_header(header: list[str]) -> KindLayout | None:
    """The layout a header names; ``None`` for a penalty file (or one naming no kind: the penalty checks say so)."""
    for layout in LAYOUTS:
        if layout.marker in header and PENALTY_MARKER not in header:
            return layout
    return None


def header_problems(layout: KindLayout, header: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append((1, name, "column appears twice"))
        elif name and name not in layout.headers:
            problems.append((1, shown(name), "unknown column"))
        seen.add(name)
    problems += [(1, name, "required column is missing") for name in layout.required_headers if name not in seen]
    if USCC not in seen and ID_NUMBER not in seen:
        problems.append((1, USCC, f"required column is missing (or {ID_NUMBER} for natural persons)"))
    return problems


def _subject(row: dict[str, str], line: int, problems: list[Problem]) -> dict[str, str]:
    uscc, id_number = row.get(USCC, "").strip(), row.get(ID_NUMBER, "").strip()
    if bool(uscc) == bool(id_number):
        problems.append((line, USCC, f"give exactly one of {USCC} (enterprise) and {ID_NUMBER} (person)"))
        return {}
    try:
        if uscc:
            return {"uscc": validate_uscc(uscc)}
        return {"id_number": validate_resident_id(id_number)}
    except InvalidIdentifier as exc:
        column, shape = (USCC, "") if uscc else (ID_NUMBER, f" ({mask_resident_id(id_number)})")
        problems.append((line, column, f"{exc}{shape}"))
        return {}


def check_rows(
    layout: KindLayout,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    region: Region,
    today: date,
    covered: frozenset[str],
) -> tuple[list[DishonestyListEntry | CoerciveMeasure | Licence], list[Problem], int]:
    """The records of every row (only if no row has a problem), the problems, and the number of rows; rows may
    name only the ``covered`` domains (what the node declares)."""
    records: list[DishonestyListEntry | CoerciveMeasure | Licence] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    count = 0
    for line, fields in rows:
        count += 1
        if len(fields) != len(header):
            problems.append((line, "", f"has {len(fields)} fields, the header has {len(header)}"))
            continue
        row = dict(zip(header, fields, strict=True))
        before = len(problems)
        values: dict[str, Any] = {"region_code": region.code, "record_id": ""}
        name = row.get(SUBJECT_NAME, "").strip()
        if not name:
            problems.append((line, SUBJECT_NAME, "required"))
        values["subject_name"] = name
        values |= _subject(row, line, problems)
        raw_domain = row.get(DOMAIN, "").strip()
        domain = DOMAIN_BY_CODE.get(raw_domain) or DOMAIN_BY_NAME.get(raw_domain)
        if domain is None:
            problems.append((line, DOMAIN, f"{shown(raw_domain)!r} is not a domain of the shared catalogue"))
        elif domain.code not in covered:
            problems.append((line, DOMAIN, f"{domain.name} is not a domain this region covers"))
        else:
            values["domain"] = domain.code
        for column in layout.columns:
            value = row.get(column.header, "").strip()
            if not value:
                if column.required:
                    problems.append((line, column.header, "required"))
                continue
            if column.kind == "date":
                try:
                    parsed = parse_date(value)
                except ValueError:
                    problems.append((line, column.header, f"{shown(value)!r} is not a date (use 2024-03-05)"))
                    continue
                if column.field == layout.start_field and parsed > today:
                    problems.append((line, column.header, f"{parsed} is in the future"))
                values[column.field] = parsed
            elif column.choices and value not in column.choices:
                problems.append((line, column.header, f"{shown(value)!r} is not one of {'、'.join(column.choices)}"))
            else:
                values[column.field] = value
        ends, starts = values.get("valid_until"), values.get("valid_from")
        if isinstance(ends, date) and isinstance(starts, date) and ends < starts:
            problems.append((line, "有效期至", f"{ends} is before 有效期自 {starts}"))
        if len(problems) > before:
            continue
        try:
            record = layout.model.model_validate(values)
        except ValidationError as exc:
            problems.append((line, "", f"not a valid record: {exc.error_count()} problem(s)"))
            continue
        key = "\x1f".join(record.dedup_key)
        if key in first_seen:
            problems.append((line, "", f"the same entry already appears on line {first_seen[key]}"))
            continue
        first_seen[key] = line
        records.append(record.model_copy(update={"record_id": record_id_for(record.dedup_key)}))
    return ([] if problems else records), problems, count
