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

class TicketKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_KIND_UNSPECIFIED: _ClassVar[TicketKind]
    TICKET_KIND_OBJECTION: _ClassVar[TicketKind]
    TICKET_KIND_REPAIR: _ClassVar[TicketKind]
SUBJECT_KIND_UNSPECIFIED: SubjectKind
SUBJECT_KIND_ENTERPRISE: SubjectKind
SUBJECT_KIND_PERSON: SubjectKind
EDITION_UNSPECIFIED: Edition
EDITION_STANDARD: Edition
EDITION_ADMINISTRATIVE: Edition
EDITION_LISTING: Edition
EDITION_PERSON: Edition
TICKET_KIND_UNSPECIFIED: TicketKind
TICKET_KIND_OBJECTION: TicketKind
TICKET_KIND_REPAIR: TicketKind

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
    __slots__ = ("region_code", "region_name", "protocol_version", "domains", "editions", "data_as_of", "answer_certificate")
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    EDITIONS_FIELD_NUMBER: _ClassVar[int]
    DATA_AS_OF_FIELD_NUMBER: _ClassVar[int]
    ANSWER_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    region_code: str
    region_name: str
    protocol_version: str
    domains: _containers.RepeatedCompositeFieldContainer[Domain]
    editions: _containers.RepeatedScalarFieldContainer[Edition]
    data_as_of: _timestamp_pb2.Timestamp
    answer_certificate: bytes
    def __init__(self, region_code: _Optional[str] = ..., region_name: _Optional[str] = ..., protocol_version: _Optional[str] = ..., domains: _Optional[_Iterable[_Union[Domain, _Mapping]]] = ..., editions: _Optional[_Iterable[_Union[Edition, str]]] = ..., data_as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_certificate: _Optional[bytes] = ...) -> None: ...

class QueryRecordsRequest(_message.Message):
    __slots__ = ("subject_id", "subject_kind", "edition", "window_from", "window_to", "request_id", "warrant", "confirmation_ref")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    EDITION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FROM_FIELD_NUMBER: _ClassVar[int]
    WINDOW_TO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WARRANT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_REF_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    subject_kind: SubjectKind
    edition: Edition
    window_from: str
    window_to: str
    request_id: str
    warrant: bytes
    confirmation_ref: str
    def __init__(self, subject_id: _Optional[str] = ..., subject_kind: _Optional[_Union[SubjectKind, str]] = ..., edition: _Optional[_Union[Edition, str]] = ..., window_from: _Optional[str] = ..., window_to: _Optional[str] = ..., request_id: _Optional[str] = ..., warrant: _Optional[bytes] = ..., confirmation_ref: _Optional[str] = ...) -> None: ...

class AnswerSignature(_message.Message):
    __slots__ = ("scheme", "signature", "certificate")
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    signature: bytes
    certificate: bytes
    def __init__(self, scheme: _Optional[str] = ..., signature: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("document", "signature")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    signature: AnswerSignature
    def __init__(self, document: _Optional[bytes] = ..., signature: _Optional[_Union[AnswerSignature, _Mapping]] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("filename", "media_type", "content")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    filename: str
    media_type: str
    content: bytes
    def __init__(self, filename: _Optional[str] = ..., media_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class FileTicketRequest(_message.Message):
    __slots__ = ("subject_id", "subject_kind", "record_id", "kind", "field", "current_value", "proposed_value", "reason", "attachments", "request_id", "warrant")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VALUE_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_VALUE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WARRANT_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    subject_kind: SubjectKind
    record_id: str
    kind: TicketKind
    field: str
    current_value: str
    proposed_value: str
    reason: str
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    request_id: str
    warrant: bytes
    def __init__(self, subject_id: _Optional[str] = ..., subject_kind: _Optional[_Union[SubjectKind, str]] = ..., record_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., field: _Optional[str] = ..., current_value: _Optional[str] = ..., proposed_value: _Optional[str] = ..., reason: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., request_id: _Optional[str] = ..., warrant: _Optional[bytes] = ...) -> None: ...

class TicketEvent(_message.Message):
    __slots__ = ("at", "status", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: str
    status: str
    note: str
    def __init__(self, at: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class TicketInfo(_message.Message):
    __slots__ = ("ticket_id", "region_code", "record_id", "kind", "status", "filed_at", "due_on", "closed_at", "history", "field")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    region_code: str
    record_id: str
    kind: TicketKind
    status: str
    filed_at: str
    due_on: str
    closed_at: str
    history: _containers.RepeatedCompositeFieldContainer[TicketEvent]
    field: str
    def __init__(self, ticket_id: _Optional[str] = ..., region_code: _Optional[str] = ..., record_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., status: _Optional[str] = ..., filed_at: _Optional[str] = ..., due_on: _Optional[str] = ..., closed_at: _Optional[str] = ..., history: _Optional[_Iterable[_Union[TicketEvent, _Mapping]]] = ..., field: _Optional[str] = ...) -> None: ...

class GetTicketsRequest(_message.Message):
    __slots__ = ("subject_id", "subject_kind", "ticket_ids", "request_id", "warrant")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    TICKET_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WARRANT_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    subject_kind: SubjectKind
    ticket_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    warrant: bytes
    def __init__(self, subject_id: _Optional[str] = ..., subject_kind: _Optional[_Union[SubjectKind, str]] = ..., ticket_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., warrant: _Optional[bytes] = ...) -> None: ...

class RepairNotice(_message.Message):
    __slots__ = ("document", "signature")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    signature: AnswerSignature
    def __init__(self, document: _Optional[bytes] = ..., signature: _Optional[_Union[AnswerSignature, _Mapping]] = ...) -> None: ...

class GetTicketsResponse(_message.Message):
    __slots__ = ("tickets", "notices")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[TicketInfo]
    notices: _containers.RepeatedCompositeFieldContainer[RepairNotice]
    def __init__(self, tickets: _Optional[_Iterable[_Union[TicketInfo, _Mapping]]] = ..., notices: _Optional[_Iterable[_Union[RepairNotice, _Mapping]]] = ...) -> None: ...

class ApplyRepairNoticeRequest(_message.Message):
    __slots__ = ("notice", "request_id")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    notice: RepairNotice
    request_id: str
    def __init__(self, notice: _Optional[_Union[RepairNotice, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ApplyRepairNoticeResponse(_message.Message):
    __slots__ = ("applied",)
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    applied: int
    def __init__(self, applied: _Optional[int] = ...) -> None: ...
