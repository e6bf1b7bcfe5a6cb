"""The node's department confirmations (financial edition): asked for by a query, decided on the staff page.

Contracts:

* :meth:`ConfirmationStore.state` is the query path's hook: for an answer under report reference ``ref`` it makes
  sure each record has its row (new: ``pending``, due ``working_days`` Chinese working days after today in Beijing;
  a record whose bytes changed since: back to ``pending``, decision cleared) and states each record's
  confirmation (:class:`merge.confirmations.WireConfirmation`). A pending one past its due date becomes
  ``expired`` — stated as not answered in time, never as confirmed. One transaction per answer.
* :meth:`ConfirmationStore.decide` closes a pending confirmation once, by a staff account of the record's own
  department, on or before the due date: ``confirmed``, or ``annotated`` with the department's text; the decision
  is sealed with the department's key (:mod:`adapters.seals`) over :func:`merge.confirmations.seal_statement`.
  :class:`ConfirmationRefused` otherwise, naming why; nothing is changed.
* Departments are registered with :meth:`add_department` (``jjj adapter department add``), their staff linked with
  :meth:`link_staff`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.confirmation_schema import confirmation_metadata, departments, record_confirmations, staff_departments
from adapters.due_dates import add_working_days
from adapters.raw_sql import lock_schema
from adapters.seals import SealKeys
from merge.confirmations import (
    ANNOTATED,
    CONFIRMED,
    EXPIRED,
    PENDING,
    SEAL_SCHEME,
    Status,
    WireConfirmation,
    WireSeal,
    record_bytes,
    seal_statement,
)
from merge.identifiers import Subject
from merge.regions import Region

DEFAULT_CONFIRM_WORKING_DAYS = 5
_CST = timezone(timedelta(hours=8))


class ConfirmationRefused(ValueError):
    """The decision cannot be taken; the message names the field or the reason."""


class ConfirmationNotFound(LookupError):
    pass


def department_of(record: Any) -> str:
    """The department a record belongs to: its authority's USCC, else the authority's name."""
    return str(getattr(record, "authority_uscc", "") or record.authority_name)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ConfirmationView:
    """One confirmation as the staff page shows it (the record as its canonical JSON, parsed)."""

    confirmation_id: str
    ref: str
    subject_id: str
    subject_shown: str
    edition: str
    record_id: str
    record: dict[str, Any]
    record_sha256: str
    department_id: str
    authority_name: str
    authority_uscc: str
    status: str
    requested_at: datetime
    due_on: date
    annotation: str
    decided_at: datetime | None
    decided_by: str
    seal_key_id: str


class ConfirmationStore:
    def __init__(
        self,
        engine: AsyncEngine,
        region: Region,
        seals: SealKeys,
        *,
        working_days: int = DEFAULT_CONFIRM_WORKING_DAYS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if working_days < 1:
            raise ValueError("confirm_working_days: at least 1")
        self._engine = engine
        self.region = region
        self.seals = seals
        self.working_days = working_days
        self._clock = clock

    async def create_tables(self) -> None:
        async with self._engine.begin() as conn:
            await lock_schema(conn)
            await conn.run_sync(confirmation_metadata.create_all)

    def _today(self) -> date:
        return self._clock().astimezone(_CST).date()

    # ---- departments -----------------------------------------------------------------------------------------

    async def add_department(self, name: str, uscc: str = "") -> tuple[str, str]:
        """Register a department with a new seal key; its id and the key's id."""
        name = name.strip()
        if not name:
            raise ConfirmationRefused("name: required")
        department_id = uscc or name
        key = self.seals.create()
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(departments).values(
                    department_id=department_id, name=name, uscc=uscc, key_id=key.key_id,
                    public_key=key.public_key, created_at=self._clock(),
                ))  # fmt: skip
        except IntegrityError:
            raise ConfirmationRefused(f"department: {department_id} is registered already") from None
        return department_id, key.key_id

    async def sync_departments(self) -> list[tuple[str, str]]:
        """Register every authority the node's records name that is not registered yet (a new seal key each);
        returns the ``(department id, key id)`` of those added. The record tables must exist (the store's)."""
        from adapters.schema import coercive_measures, dishonesty_list_entries, penalties

        async with self._engine.connect() as conn:
            known = set(await conn.scalars(select(departments.c.department_id)))
            found: dict[str, tuple[str, str]] = {}
            rows = await conn.execute(select(penalties.c.authority_name, penalties.c.authority_uscc).distinct())
            for name, uscc in rows:
                found.setdefault(uscc or name, (name, uscc or ""))
            for table in (dishonesty_list_entries, coercive_measures):
                for (name,) in await conn.execute(select(table.c.authority_name).distinct()):
                    found.setdefault(name, (name, ""))
        added = []
        for department_id, (name, uscc) in sorted(found.items()):
            if department_id not in known:
                added.append(await self.add_department(name, uscc))
        return added

    async def link_staff(self, username: str, department_id: str) -> None:
        async with self._engine.begin() as conn:
            known = await conn.scalar(select(departments.c.name).where(departments.c.department_id == department_id))
            if known is None:
                raise ConfirmationRefused(f"department: {department_id} is not registered")
            try:
                await conn.execute(insert(staff_departments).values(username=username, department_id=department_id))
            except IntegrityError:
                raise ConfirmationRefused(f"staff: {username} decides for {department_id} already") from None

    async def departments_of(self, username: str) -> frozenset[str]:
        async with self._engine.connect() as conn:
            rows = await conn.scalars(
                select(staff_departments.c.department_id).where(staff_departments.c.username == username)
            )
            return frozenset(rows)

    # ---- the query path ------------------------------------------------------------------------------------

    async def state(
        self, ref: str, subject: Subject, edition: str, records: Sequence[Any]
    ) -> tuple[WireConfirmation, ...]:
        """Each record's confirmation under ``ref`` (rows made or reset as the module docstring says)."""
        if not records:
            return ()
        today, now = self._today(), self._clock()
        async with self._engine.begin() as conn:
            found = await conn.execute(select(record_confirmations).where(record_confirmations.c.ref == ref))
            rows = {row.record_id: row._asdict() for row in found}
            out = []
            for record in records:
                body = record_bytes(record)  # encoded once: stored as asked about, and its digest
                digest = hashlib.sha256(body).hexdigest()
                row = rows.get(record.record_id)
                if row is None or row["subject_id"] != subject.identifier:
                    row = await self._ask(conn, ref, subject, edition, record, body, digest, today, now)
                elif row["record_sha256"] != digest:
                    row = await self._reset(conn, row, body, digest)
                if row["status"] == PENDING and today > row["due_on"]:
                    await conn.execute(update(record_confirmations).where(
                        record_confirmations.c.confirmation_id == row["confirmation_id"],
                        record_confirmations.c.status == PENDING,
                    ).values(status=EXPIRED))  # fmt: skip
                    row = {**row, "status": EXPIRED}
                out.append(_wire(row))
            return tuple(out)

    async def _ask(
        self, conn: AsyncConnection, ref: str, subject: Subject, edition: str, record: Any, body: bytes,
        digest: str, today: date, now: datetime,
    ) -> dict[str, Any]:  # fmt: skip
        if (await conn.scalar(select(record_confirmations.c.subject_id).where(
            record_confirmations.c.ref == ref))) not in (None, subject.identifier):  # fmt: skip
            # A reference is one report's: never let it gather another subject's records.
            raise ConfirmationRefused("confirmation_ref: another subject's reference")
        row = {
            "confirmation_id": uuid.uuid4().hex, "ref": ref, "subject_id": subject.identifier,
            "subject_shown": subject.masked, "edition": edition,
            "record_id": record.record_id, "record_sha256": digest, "record_json": body.decode(),
            "department_id": department_of(record), "authority_name": record.authority_name,
            "authority_uscc": getattr(record, "authority_uscc", ""), "status": PENDING, "requested_at": now,
            "due_on": add_working_days(today, self.working_days), "annotation": "", "decided_at": None,
            "decided_by": "", "seal_key_id": "", "seal_public_key": "", "seal_signature": "",
        }  # fmt: skip
        await conn.execute(insert(record_confirmations).values(**row))
        return row

    async def _reset(self, conn: AsyncConnection, row: dict[str, Any], body: bytes, digest: str) -> dict[str, Any]:
        # The record changed since it was asked about: what was decided was about other bytes.
        values = {
            "record_sha256": digest, "record_json": body.decode(), "status": PENDING, "annotation": "",
            "decided_at": None, "decided_by": "", "seal_key_id": "", "seal_public_key": "", "seal_signature": "",
        }  # fmt: skip
        await conn.execute(
            update(record_confirmations)
            .where(record_confirmations.c.confirmation_id == row["confirmation_id"])
            .values(**values)
        )
        return {**row, **values}

    # ---- the staff page ------------------------------------------------------------------------------------

    async def listing(self, department_ids: Iterable[str] | None, status: str | None = None) -> list[ConfirmationView]:
        """Confirmations of these departments (``None``: all), newest first."""
        query = select(record_confirmations).order_by(record_confirmations.c.requested_at.desc())
        if department_ids is not None:
            query = query.where(record_confirmations.c.department_id.in_(list(department_ids)))
        if status is not None:
            query = query.where(record_confirmations.c.status == status)
        async with self._engine.connect() as conn:
            return [_view(row._asdict()) for row in await conn.execute(query.limit(500))]

    async def get(self, confirmation_id: str) -> ConfirmationView:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(record_confirmations).where(
                record_confirmations.c.confirmation_id == confirmation_id))).first()  # fmt: skip
        if row is None:
            raise ConfirmationNotFound(confirmation_id)
        return _view(row._asdict())

    async def decide(self, confirmation_id: str, username: str, *, annotation: str | None) -> ConfirmationView:
        """Confirm (``annotation=None``) or annotate; sealed by the record's department (module docstring)."""
        if annotation is not None and not annotation.strip():
            raise ConfirmationRefused("annotation: give the department's text, or confirm without one")
        if annotation is not None and len(annotation) > 2000:
            raise ConfirmationRefused("annotation: longer than 2000 characters")
        current = await self.get(confirmation_id)
        if current.department_id not in await self.departments_of(username):
            raise ConfirmationRefused(f"staff: {username} does not decide for {current.authority_name}")
        if current.status != PENDING:
            raise ConfirmationRefused(f"status: decided already ({current.status})")
        if self._today() > current.due_on:
            raise ConfirmationRefused(f"due_on: the confirmation was due on {current.due_on.isoformat()}")
        async with self._engine.connect() as conn:
            key_id = await conn.scalar(
                select(departments.c.key_id).where(departments.c.department_id == current.department_id)
            )
        if key_id is None:
            raise ConfirmationRefused(f"department: {current.department_id} has no seal key registered")
        decided_at = self._clock().astimezone(UTC).replace(microsecond=0)
        status = CONFIRMED if annotation is None else ANNOTATED
        wire = WireConfirmation(
            annotation=annotation or "", authority_name=current.authority_name,
            authority_uscc=current.authority_uscc, decided_at=decided_at, due_on=current.due_on,
            record_id=current.record_id, record_sha256=current.record_sha256, status=status,
        )  # fmt: skip
        statement = seal_statement(
            wire, region_code=self.region.code, ref=current.ref, subject=current.subject_shown, edition=current.edition
        )
        seal = self.seals.sign(key_id, statement)
        async with self._engine.begin() as conn:
            done = await conn.execute(update(record_confirmations).where(
                record_confirmations.c.confirmation_id == confirmation_id,
                record_confirmations.c.status == PENDING,
                record_confirmations.c.record_sha256 == wire.record_sha256,
            ).values(
                status=status, annotation=wire.annotation, decided_at=decided_at, decided_by=username,
                seal_key_id=seal.key_id, seal_public_key=seal.public_key, seal_signature=seal.signature,
            ))  # fmt: skip
        if done.rowcount != 1:
            raise ConfirmationRefused("status: changed meanwhile; reload the page")
        return await self.get(confirmation_id)


def _view(row: dict[str, Any]) -> ConfirmationView:
    return ConfirmationView(
        confirmation_id=row["confirmation_id"], ref=row["ref"], subject_id=row["subject_id"],
        subject_shown=row["subject_shown"], edition=row["edition"], record_id=row["record_id"],
        record=msgspec.json.decode(row["record_json"]),
        record_sha256=row["record_sha256"], department_id=row["department_id"],
        authority_name=row["authority_name"], authority_uscc=row["authority_uscc"], status=row["status"],
        requested_at=_utc(row["requested_at"]) or row["requested_at"], due_on=row["due_on"],
        annotation=row["annotation"], decided_at=_utc(row["decided_at"]), decided_by=row["decided_by"],
        seal_key_id=row["seal_key_id"],
    )  # fmt: skip


def _wire(row: dict[str, Any]) -> WireConfirmation:
    decided = row["status"] in (CONFIRMED, ANNOTATED)
    seal = (
        WireSeal(key_id=row["seal_key_id"], public_key=row["seal_public_key"], scheme=SEAL_SCHEME,
                 signature=row["seal_signature"])
        if decided else None
    )  # fmt: skip
    return WireConfirmation(
        annotation=row["annotation"] if decided else "", authority_name=row["authority_name"],
        authority_uscc=row["authority_uscc"], decided_at=_utc(row["decided_at"]) if decided else None,
        due_on=row["due_on"], record_id=row["record_id"], record_sha256=row["record_sha256"], seal=seal,
        status=_status(row["status"]),
    )  # fmt: skip


def _status(value: str) -> Status:
    if value not in (PENDING, CONFIRMED, ANNOTATED, EXPIRED):
        raise ValueError(f"status: {value!r} is not a confirmation status")
    return value
