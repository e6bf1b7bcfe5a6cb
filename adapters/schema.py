"""The regional node's own database: one table per record kind, plus a small meta table.

Columns carry the record models' field names (:mod:`merge.records`) so conversion is a rename-free dump, and
each 双公示 field is a real column with its Chinese name as the column comment. Every table has:

* ``region_code`` + ``dedup_key`` unique — the natural key (the record kind is the table), so re-importing or
  re-seeding is a no-op under ``INSERT … ON CONFLICT DO NOTHING``;
* ``region_code`` + ``record_id`` the primary key — ids are deterministic hashes of the natural key;
* indexes on the subject columns (``uscc``, ``id_number``) together with the event date, which is what
  :meth:`adapters.store.SqlRecordStore.query` filters and orders on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Dialect,
    Index,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData()

#: How a penalty's categories are joined in their one column.
CATEGORY_SEPARATOR = "、"


def normalise_amount(value: Any) -> Decimal:
    """A stored amount as the record has it. NUMERIC(18, 6) pads to six places and decimal text keeps what was
    written: normalise, so a round trip returns what was stored (``2.500000`` → ``2.5``, ``10.000000`` → ``10``)."""
    amount = Decimal(str(value))
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount.normalize()


class Amount(TypeDecorator[Decimal]):
    """An amount in 万元 with up to 6 decimal places: NUMERIC(18, 6) where the database has exact decimals,
    decimal text elsewhere (SQLite has no exact decimal type and SQLAlchemy warns when asked for one)."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(18, 6, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else normalise_amount(value)


def _common(*, event_column: str) -> list[Column[Any]]:
    """Columns every kind has: keys, subject identifiers and the shared record fields."""
    return [
        Column("region_code", String(6), nullable=False),
        Column("record_id", String(40), nullable=False),
        Column("dedup_key", Text, nullable=False, comment="natural key, parts joined by U+001F"),
        Column("domain", String(40), nullable=False, comment="领域"),
        Column("subject_name", Text, nullable=False, comment="行政相对人名称"),
        Column("uscc", String(18), nullable=False, default="", comment="统一社会信用代码"),
        Column("id_number", String(18), nullable=False, default="", comment="证件号码"),
        Column(event_column, Date, nullable=False),
    ]


def _keys(name: str, event_column: str) -> list[Any]:
    return [
        UniqueConstraint("region_code", "dedup_key", name=f"uq_{name}_natural_key"),
        PrimaryKeyConstraint("region_code", "record_id", name=f"pk_{name}"),
        Index(f"ix_{name}_uscc", "uscc", event_column),
        Index(f"ix_{name}_id_number", "id_number", event_column),
    ]


penalties = Table(
    "penalties",
    metadata,
    *_common(event_column="decision_date"),
    Column("subject_category", String(20), nullable=False, comment="行政相对人类别"),
    Column("id_type", String(20), nullable=False, comment="证件类型"),
    Column("legal_representative", Text, nullable=False, comment="法定代表人"),
    Column("decision_no", Text, nullable=False, comment="行政处罚决定书文号"),
    Column("violation_type", Text, nullable=False, comment="违法行为类型"),
    Column("violation_facts", Text, nullable=False, comment="违法事实"),
    Column("legal_basis", Text, nullable=False, comment="处罚依据"),
    Column("categories", Text, nullable=False, comment="处罚类别, joined by 、"),
    Column("content", Text, nullable=False, comment="处罚内容"),
    Column("fine_amount", Amount, nullable=True, comment="罚款金额(万元)"),
    Column("confiscated_amount", Amount, nullable=True, comment="没收违法所得、没收非法财物的金额(万元)"),
    Column("license_ref", Text, nullable=False, comment="暂扣或吊销证照名称及编号"),
    Column("valid_until", Date, nullable=True, comment="处罚有效期"),
    Column("publicity_until", Date, nullable=True, comment="公示截止期"),
    Column("authority_name", Text, nullable=False, comment="处罚机关"),
    Column("authority_uscc", String(18), nullable=False, comment="处罚机关统一社会信用代码"),
    Column("data_source", Text, nullable=False, comment="数据来源单位"),
    Column("remarks", Text, nullable=False, comment="备注"),
    Column("procedure", String(10), nullable=False, comment="程序类型"),
    Column("not_penalised", Boolean, nullable=False, comment="不予处罚"),
    Column("repair_status", String(12), nullable=False, comment="信用修复状态"),
    Column("repaired_on", Date, nullable=True, comment="信用修复日期"),
    Column("objection_open", Boolean, nullable=False, comment="异议"),
    *_keys("penalties", "decision_date"),
)

dishonesty_list_entries = Table(
    "dishonesty_list_entries",
    metadata,
    *_common(event_column="listed_on"),
    Column("list_name", Text, nullable=False, comment="名单名称"),
    Column("authority_name", Text, nullable=False, comment="列入机关"),
    Column("removed_on", Date, nullable=True, comment="移出日期"),
    Column("reason", Text, nullable=False, comment="列入事由"),
    Column("document_no", Text, nullable=False, comment="列入决定文书号"),
    *_keys("dishonesty_list_entries", "listed_on"),
)

coercive_measures = Table(
    "coercive_measures",
    metadata,
    *_common(event_column="decided_on"),
    Column("document_no", Text, nullable=False, comment="决定书文号"),
    Column("measure_type", Text, nullable=False, comment="行政强制措施类别"),
    Column("reason", Text, nullable=False, comment="实施事由"),
    Column("authority_name", Text, nullable=False, comment="实施机关"),
    Column("lifted_on", Date, nullable=True, comment="解除日期"),
    *_keys("coercive_measures", "decided_on"),
)

licences = Table(
    "licences",
    metadata,
    *_common(event_column="decided_on"),
    Column("document_name", Text, nullable=False, comment="行政许可决定文书名称"),
    Column("document_no", Text, nullable=False, comment="行政许可决定文书号"),
    Column("category", String(10), nullable=False, comment="许可类别"),
    Column("certificate_name", Text, nullable=False, comment="许可证书名称"),
    Column("licence_no", Text, nullable=False, comment="许可编号"),
    Column("content", Text, nullable=False, comment="许可内容"),
    Column("valid_from", Date, nullable=True, comment="有效期自"),
    Column("valid_until", Date, nullable=True, comment="有效期至"),
    Column("authority_name", Text, nullable=False, comment="许可机关"),
    Column("authority_uscc", String(18), nullable=False, comment="许可机关统一社会信用代码"),
    Column("data_source", Text, nullable=False, comment="数据来源单位"),
    Column("remarks", Text, nullable=False, comment="备注"),
    *_keys("licences", "decided_on"),
)

#: Key/value facts about the store: ``created_at``, ``data_as_of`` (ISO 8601 with offset), ``region_code``.
meta = Table(
    "store_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
