"""Record models after the national 双公示 administrative-penalty data standard, plus list entries, coercive
measures and administrative licences (the 双公示 licensing standard). Pure pydantic v2 models; the adapter's
storage, the gRPC messages and the report all convert to and from these.

Each record carries the region it came from and a ``dedup_key``: the same decision reported by two regions
(a Hebei bureau's decision also pushed to Beijing's platform, say) is counted once in a merged report.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class RecordKind(StrEnum):
    PENALTY = "penalty"  # 行政处罚
    DISHONESTY_LIST_ENTRY = "dishonesty_list_entry"  # 严重失信主体名单
    COERCIVE_MEASURE = "coercive_measure"  # 行政强制
    LICENCE = "licence"  # 行政许可: not a violation (its own report section; never makes a report unclean)


#: The kinds that are violations or measures against the subject: what a report counts, merges and states per
#: domain. A licence is none of them.
VIOLATION_KINDS: tuple[RecordKind, ...] = (
    RecordKind.PENALTY, RecordKind.DISHONESTY_LIST_ENTRY, RecordKind.COERCIVE_MEASURE,
)  # fmt: skip


class Procedure(StrEnum):
    SIMPLE = "simple"  # 简易程序
    ORDINARY = "ordinary"  # 普通程序


class RepairStatus(StrEnum):
    NONE = "none"
    IN_PROGRESS = "in_progress"
    REPAIRED = "repaired"  # 信用修复完成


class PenaltyCategory(StrEnum):
    """处罚类别: the kinds of administrative penalty in article 9 of the Administrative Penalty Law (2021)."""

    WARNING = "警告"
    CIRCULATED_CRITICISM = "通报批评"
    FINE = "罚款"
    CONFISCATE_ILLEGAL_GAINS = "没收违法所得"
    CONFISCATE_ILLEGAL_PROPERTY = "没收非法财物"
    SUSPEND_LICENSE = "暂扣许可证件"
    DOWNGRADE_QUALIFICATION = "降低资质等级"
    REVOKE_LICENSE = "吊销许可证件"
    RESTRICT_BUSINESS = "限制开展生产经营活动"
    ORDER_SUSPENSION = "责令停产停业"
    ORDER_CLOSURE = "责令关闭"
    RESTRICT_PRACTICE = "限制从业"
    DETENTION = "行政拘留"
    OTHER = "其他"


#: Categories the standard edition leaves out as minor (警告, 通报批评): art. 9 (一).
MINOR_CATEGORIES: frozenset[PenaltyCategory] = frozenset(
    {PenaltyCategory.WARNING, PenaltyCategory.CIRCULATED_CRITICISM}
)


class LicenceCategory(StrEnum):
    """许可类别 of the 双公示 administrative-licensing standard."""

    ORDINARY = "普通"
    FRANCHISE = "特许"
    RECOGNITION = "认可"
    APPROVAL = "核准"
    REGISTRATION = "登记"
    OTHER = "其他"


class SubjectCategory(StrEnum):
    """行政相对人类别."""

    LEGAL_PERSON = "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "个体工商户"
    NATURAL_PERSON = "自然人"


class _RecordBase(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Free-text fields, where a resident ID could be written (the merge masks it there).
    TEXT_FIELDS: ClassVar[tuple[str, ...]]

    region_code: str = Field(description="GB/T 2260 code of the region that reported the record")
    record_id: str = Field(description="stable identifier within that region")
    domain: str = Field(description="domain code from the shared catalogue")
    subject_name: str


class Penalty(_RecordBase):
    """行政处罚 (双公示 standard)."""

    kind: Literal[RecordKind.PENALTY] = RecordKind.PENALTY
    subject_category: SubjectCategory
    uscc: str = ""
    id_type: str = ""
    id_number: str = ""
    legal_representative: str = ""
    decision_no: str
    violation_type: str
    violation_facts: str
    legal_basis: str
    categories: tuple[PenaltyCategory, ...]
    content: str
    fine_amount: Decimal | None = None  # 万元
    confiscated_amount: Decimal | None = None  # 万元
    license_ref: str = ""
    decision_date: date
    valid_until: date | None = None
    publicity_until: date | None = None
    authority_name: str
    authority_uscc: str
    data_source: str = ""
    remarks: str = ""
    procedure: Procedure = Procedure.ORDINARY
    not_penalised: bool = False
    repair_status: RepairStatus = RepairStatus.NONE
    repaired_on: date | None = None
    objection_open: bool = False

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("violation_facts", "content", "remarks")

    @property
    def dedup_key(self) -> tuple[str, ...]:
        return ("penalty", self.authority_uscc or self.authority_name, self.decision_no)

    @property
    def event_date(self) -> date:
        return self.decision_date


class DishonestyListEntry(_RecordBase):
    """An entry on a serious-dishonesty list (严重失信主体名单)."""

    kind: Literal[RecordKind.DISHONESTY_LIST_ENTRY] = RecordKind.DISHONESTY_LIST_ENTRY
    # The listed subject: USCC for an enterprise, resident ID for a person (the store queries on these).
    uscc: str = ""
    id_number: str = ""
    list_name: str
    authority_name: str
    listed_on: date
    removed_on: date | None = None
    reason: str = ""
    document_no: str = ""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

    @property
    def dedup_key(self) -> tuple[str, ...]:
        return ("list", self.list_name, self.authority_name, self.document_no or self.listed_on.isoformat())

    @property
    def event_date(self) -> date:
        return self.listed_on


class CoerciveMeasure(_RecordBase):
    """An administrative coercive measure (行政强制)."""

    kind: Literal[RecordKind.COERCIVE_MEASURE] = RecordKind.COERCIVE_MEASURE
    # The subject the measure was taken against: USCC for an enterprise, resident ID for a person.
    uscc: str = ""
    id_number: str = ""
    document_no: str
    measure_type: str
    reason: str = ""
    authority_name: str
    decided_on: date
    lifted_on: date | None = None

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

    @property
    def dedup_key(self) -> tuple[str, ...]:
        return ("coercive", self.authority_name, self.document_no)

    @property
    def event_date(self) -> date:
        return self.decided_on


class Licence(_RecordBase):
    """An administrative licence (行政许可, 双公示 standard). Not a violation: a report lists it in its own section."""

    kind: Literal[RecordKind.LICENCE] = RecordKind.LICENCE
    # The licensee: USCC for an enterprise, resident ID for a person (the store queries on these).
    uscc: str = ""
    id_number: str = ""
    document_name: str  # 行政许可决定文书名称
    document_no: str  # 行政许可决定文书号
    category: LicenceCategory  # 许可类别
    certificate_name: str = ""  # 许可证书名称
    licence_no: str = ""  # 许可编号
    content: str  # 许可内容
    decided_on: date  # 许可决定日期
    valid_from: date | None = None  # 有效期自
    valid_until: date | None = None  # 有效期至
    authority_name: str  # 许可机关
    authority_uscc: str = ""  # 许可机关统一社会信用代码
    data_source: str = ""  # 数据来源单位
    remarks: str = ""

    # 许可编号 too: a person's licence may be numbered by the holder's resident ID (a driving licence is).
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("licence_no", "content", "remarks")

    @property
    def dedup_key(self) -> tuple[str, ...]:
        return ("licence", self.authority_uscc or self.authority_name, self.document_no)

    @property
    def event_date(self) -> date:
        return self.decided_on


#: A record a report counts and merges (every kind but a licence).
Violation = Penalty | DishonestyListEntry | CoerciveMeasure

Record = Annotated[Penalty | DishonestyListEntry | CoerciveMeasure | Licence, Field(discriminator="kind")]
