import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubjectKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBJECT_KIND_UNSPECIFIED: _ClassVar[SubjectKind]
    SUBJECT_KIND_ENTERPRISE: _ClassVar[SubjectKind]
    SUBJECT_KIND_PERSON: _ClassVar[SubjectKind]

class Edition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EDITION_UNSPECIFIED: _ClassVar[Edition]
    EDITION_STANDARD: _ClassVar[Edition]
    EDITION_ADMINISTRATIVE: _ClassVar[Edition]
    EDITION_LISTING: _ClassVar[Edition]
    EDITION_PERSON: _ClassVar[Edition]

class RecordKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_KIND_UNSPECIFIED: _ClassVar[RecordKind]
    RECORD_KIND_PENALTY: _ClassVar[RecordKind]
    RECORD_KIND_DISHONESTY_LIST_ENTRY: _ClassVar[RecordKind]
    RECORD_KIND_COERCIVE_MEASURE: _ClassVar[RecordKind]
SUBJECT_KIND_UNSPECIFIED: SubjectKind
SUBJECT_KIND_ENTERPRISE: SubjectKind
SUBJECT_KIND_PERSON: SubjectKind
EDITION_UNSPECIFIED: Edition
EDITION_STANDARD: Edition
EDITION_ADMINISTRATIVE: Edition
EDITION_LISTING: Edition
EDITION_PERSON: Edition
RECORD_KIND_UNSPECIFIED: RecordKind
RECORD_KIND_PENALTY: RecordKind
RECORD_KIND_DISHONESTY_LIST_ENTRY: RecordKind
RECORD_KIND_COERCIVE_MEASURE: RecordKind

class Domain(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DescribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ("region_code", "region_name", "protocol_version", "domains", "record_kinds", "editions", "data_as_of")
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    RECORD_KINDS_FIELD_NUMBER: _ClassVar[int]
    EDITIONS_FIELD_NUMBER: _ClassVar[int]
    DATA_AS_OF_FIELD_NUMBER: _ClassVar[int]
    region_code: str
    region_name: str
    protocol_version: str
    domains: _containers.RepeatedCompositeFieldContainer[Domain]
    record_kinds: _containers.RepeatedScalarFieldContainer[RecordKind]
    editions: _containers.RepeatedScalarFieldContainer[Edition]
    data_as_of: _timestamp_pb2.Timestamp
    def __init__(self, region_code: _Optional[str] = ..., region_name: _Optional[str] = ..., protocol_version: _Optional[str] = ..., domains: _Optional[_Iterable[_Union[Domain, _Mapping]]] = ..., record_kinds: _Optional[_Iterable[_Union[RecordKind, str]]] = ..., editions: _Optional[_Iterable[_Union[Edition, str]]] = ..., data_as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QueryRecordsRequest(_message.Message):
    __slots__ = ("subject_id", "subject_kind", "edition", "window_from", "window_to", "request_id", "warrant", "page_size")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    EDITION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FROM_FIELD_NUMBER: _ClassVar[int]
    WINDOW_TO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WARRANT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    subject_kind: SubjectKind
    edition: Edition
    window_from: str
    window_to: str
    request_id: str
    warrant: bytes
    page_size: int
    def __init__(self, subject_id: _Optional[str] = ..., subject_kind: _Optional[_Union[SubjectKind, str]] = ..., edition: _Optional[_Union[Edition, str]] = ..., window_from: _Optional[str] = ..., window_to: _Optional[str] = ..., request_id: _Optional[str] = ..., warrant: _Optional[bytes] = ..., page_size: _Optional[int] = ...) -> None: ...

class Penalty(_message.Message):
    __slots__ = ("subject_name", "subject_category", "uscc", "id_type", "id_number", "legal_representative", "decision_no", "violation_type", "violation_facts", "legal_basis", "categories", "content", "fine_amount", "confiscated_amount", "license_ref", "decision_date", "valid_until", "publicity_until", "authority_name", "authority_uscc", "data_source", "remarks", "procedure", "not_penalised", "repair_status", "repaired_on", "objection_open")
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    DECISION_NO_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_FACTS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FINE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CONFISCATED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LICENSE_REF_FIELD_NUMBER: _ClassVar[int]
    DECISION_DATE_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    PUBLICITY_UNTIL_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_USCC_FIELD_NUMBER: _ClassVar[int]
    DATA_SOURCE_FIELD_NUMBER: _ClassVar[int]
    REMARKS_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    NOT_PENALISED_FIELD_NUMBER: _ClassVar[int]
    REPAIR_STATUS_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_ON_FIELD_NUMBER: _ClassVar[int]
    OBJECTION_OPEN_FIELD_NUMBER: _ClassVar[int]
    subject_name: str
    subject_category: str
    uscc: str
    id_type: str
    id_number: str
    legal_representative: str
    decision_no: str
    violation_type: str
    violation_facts: str
    legal_basis: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    content: str
    fine_amount: str
    confiscated_amount: str
    license_ref: str
    decision_date: str
    valid_until: str
    publicity_until: str
    authority_name: str
    authority_uscc: str
    data_source: str
    remarks: str
    procedure: str
    not_penalised: bool
    repair_status: str
    repaired_on: str
    objection_open: bool
    def __init__(self, subject_name: _Optional[str] = ..., subject_category: _Optional[str] = ..., uscc: _Optional[str] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ..., legal_representative: _Optional[str] = ..., decision_no: _Optional[str] = ..., violation_type: _Optional[str] = ..., violation_facts: _Optional[str] = ..., legal_basis: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., content: _Optional[str] = ..., fine_amount: _Optional[str] = ..., confiscated_amount: _Optional[str] = ..., license_ref: _Optional[str] = ..., decision_date: _Optional[str] = ..., valid_until: _Optional[str] = ..., publicity_until: _Optional[str] = ..., authority_name: _Optional[str] = ..., authority_uscc: _Optional[str] = ..., data_source: _Optional[str] = ..., remarks: _Optional[str] = ..., procedure: _Optional[str] = ..., not_penalised: _Optional[bool] = ..., repair_status: _Optional[str] = ..., repaired_on: _Optional[str] = ..., objection_open: _Optional[bool] = ...) -> None: ...

class DishonestyListEntry(_message.Message):
    __slots__ = ("subject_name", "list_name", "authority_name", "listed_on", "removed_on", "reason", "document_no")
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_NAME_FIELD_NUMBER: _ClassVar[int]
    LISTED_ON_FIELD_NUMBER: _ClassVar[int]
    REMOVED_ON_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NO_FIELD_NUMBER: _ClassVar[int]
    subject_name: str
    list_name: str
    authority_name: str
    listed_on: str
    removed_on: str
    reason: str
    document_no: str
    def __init__(self, subject_name: _Optional[str] = ..., list_name: _Optional[str] = ..., authority_name: _Optional[str] = ..., listed_on: _Optional[str] = ..., removed_on: _Optional[str] = ..., reason: _Optional[str] = ..., document_no: _Optional[str] = ...) -> None: ...

class CoerciveMeasure(_message.Message):
    __slots__ = ("subject_name", "document_no", "measure_type", "reason", "authority_name", "decided_on", "lifted_on")
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NO_FIELD_NUMBER: _ClassVar[int]
    MEASURE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_NAME_FIELD_NUMBER: _ClassVar[int]
    DECIDED_ON_FIELD_NUMBER: _ClassVar[int]
    LIFTED_ON_FIELD_NUMBER: _ClassVar[int]
    subject_name: str
    document_no: str
    measure_type: str
    reason: str
    authority_name: str
    decided_on: str
    lifted_on: str
    def __init__(self, subject_name: _Optional[str] = ..., document_no: _Optional[str] = ..., measure_type: _Optional[str] = ..., reason: _Optional[str] = ..., authority_name: _Optional[str] = ..., decided_on: _Optional[str] = ..., lifted_on: _Optional[str] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ("record_id", "domain", "kind", "penalty", "dishonesty_list_entry", "coercive_measure")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    DISHONESTY_LIST_ENTRY_FIELD_NUMBER: _ClassVar[int]
    COERCIVE_MEASURE_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    domain: str
    kind: RecordKind
    penalty: Penalty
    dishonesty_list_entry: DishonestyListEntry
    coercive_measure: CoerciveMeasure
    def __init__(self, record_id: _Optional[str] = ..., domain: _Optional[str] = ..., kind: _Optional[_Union[RecordKind, str]] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ..., dishonesty_list_entry: _Optional[_Union[DishonestyListEntry, _Mapping]] = ..., coercive_measure: _Optional[_Union[CoerciveMeasure, _Mapping]] = ...) -> None: ...

class RecordPage(_message.Message):
    __slots__ = ("page_no", "records")
    PAGE_NO_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    page_no: int
    records: _containers.RepeatedCompositeFieldContainer[Record]
    def __init__(self, page_no: _Optional[int] = ..., records: _Optional[_Iterable[_Union[Record, _Mapping]]] = ...) -> None: ...

class QuerySummary(_message.Message):
    __slots__ = ("count_by_domain", "total", "data_as_of", "covered_domains", "region_code")
    class CountByDomainEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COUNT_BY_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DATA_AS_OF_FIELD_NUMBER: _ClassVar[int]
    COVERED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    count_by_domain: _containers.ScalarMap[str, int]
    total: int
    data_as_of: _timestamp_pb2.Timestamp
    covered_domains: _containers.RepeatedScalarFieldContainer[str]
    region_code: str
    def __init__(self, count_by_domain: _Optional[_Mapping[str, int]] = ..., total: _Optional[int] = ..., data_as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., covered_domains: _Optional[_Iterable[str]] = ..., region_code: _Optional[str] = ...) -> None: ...

class QueryRecordsResponse(_message.Message):
    __slots__ = ("page", "summary")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    page: RecordPage
    summary: QuerySummary
    def __init__(self, page: _Optional[_Union[RecordPage, _Mapping]] = ..., summary: _Optional[_Union[QuerySummary, _Mapping]] = ...) -> None: ...
