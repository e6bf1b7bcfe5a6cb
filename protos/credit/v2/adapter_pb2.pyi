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
SUBJECT_KIND_UNSPECIFIED: SubjectKind
SUBJECT_KIND_ENTERPRISE: SubjectKind
SUBJECT_KIND_PERSON: SubjectKind
EDITION_UNSPECIFIED: Edition
EDITION_STANDARD: Edition
EDITION_ADMINISTRATIVE: Edition
EDITION_LISTING: Edition
EDITION_PERSON: Edition

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
    __slots__ = ("subject_id", "subject_kind", "edition", "window_from", "window_to", "request_id", "warrant")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    EDITION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FROM_FIELD_NUMBER: _ClassVar[int]
    WINDOW_TO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WARRANT_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    subject_kind: SubjectKind
    edition: Edition
    window_from: str
    window_to: str
    request_id: str
    warrant: bytes
    def __init__(self, subject_id: _Optional[str] = ..., subject_kind: _Optional[_Union[SubjectKind, str]] = ..., edition: _Optional[_Union[Edition, str]] = ..., window_from: _Optional[str] = ..., window_to: _Optional[str] = ..., request_id: _Optional[str] = ..., warrant: _Optional[bytes] = ...) -> None: ...

class AnswerSignature(_message.Message):
    __slots__ = ("scheme", "signature", "certificate")
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    signature: bytes
    certificate: bytes
    def __init__(self, scheme: _Optional[str] = ..., signature: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class AnswerChunk(_message.Message):
    __slots__ = ("document", "signature")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    signature: AnswerSignature
    def __init__(self, document: _Optional[bytes] = ..., signature: _Optional[_Union[AnswerSignature, _Mapping]] = ...) -> None: ...
