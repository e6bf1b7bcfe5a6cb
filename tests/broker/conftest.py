"""Three real adapter nodes (gRPC on port 0, SQLite stores) and the real broker app over the real Redis."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient

from adapters.broker_jwks import BrokerJwks
from adapters.confirmations import ConfirmationStore
from adapters.pki import PkiLayout
from adapters.seals import SealKeys
from adapters.server import NodeConfig, create_server
from adapters.staff.accounts import StaffAccounts
from adapters.store import SqlRecordStore
from adapters.subject_lists import ListEntry, SqlSubjectLists
from adapters.subject_register import RegisteredSubject, SqlSubjectRegister
from adapters.tickets import TicketStore
from adapters.tls_material import TlsMaterial
from adapters.warrant_check import WarrantCheck
from broker.app import create_app
from broker.keys import init_keys
from broker.settings import Settings
from broker.web.access_log import PathOnlyAccessLogger
from merge.answer_document import SubjectStatus
from merge.identifiers import SubjectKind
from merge.records import DishonestyListEntry, Penalty, PenaltyCategory, Procedure, SubjectCategory
from merge.regions import REGION_ORDER, Region
from tests.adapters.tls import answer_signer, node_tls
from tests.conftest import REDIS_URL, free_port

#: A Tianjin enterprise with records in all three regions (valid USCC, check character by python-stdnum).
ENTERPRISE = "91120116MA05KQ2X31"
#: An enterprise no region has anything on (registered in Beijing).
CLEAN_ENTERPRISE = "91110105MA01ABCD13"
#: The names the regions registered them under (Tianjin and Beijing).
ENTERPRISE_NAME = "天津滨海示例科技有限公司"
CLEAN_ENTERPRISE_NAME = "北京清白示例有限公司"
REGISTERED = {
    Region.TIANJIN: RegisteredSubject(SubjectKind.ENTERPRISE, ENTERPRISE, ENTERPRISE_NAME, SubjectStatus.REGISTERED),
    Region.BEIJING: RegisteredSubject(
        SubjectKind.ENTERPRISE, CLEAN_ENTERPRISE, CLEAN_ENTERPRISE_NAME, SubjectStatus.REGISTERED
    ),
}
#: A natural person (valid resident ID).
PERSON = "110105199003071239"

AUTHORITY_USCC = {
    Region.BEIJING: "11110000000023456A",
    Region.TIANJIN: "11120000000012345M",
    Region.HEBEI: "11130100000034567G",
}
AUTHORITY_NAME = {
    Region.BEIJING: "北京市生态环境局",
    Region.TIANJIN: "天津市市场监督管理局",
    Region.HEBEI: "石家庄市应急管理局",
}
DOMAIN = {
    Region.BEIJING: "ecology_environment",
    Region.TIANJIN: "market_regulation",
    Region.HEBEI: "emergency_management",
}


def penalty(region: Region, number: int, *, decided: date, **overrides: object) -> Penalty:
    values: dict[str, object] = {
        "region_code": region.code,
        "record_id": f"{region.value}-{number}",
        "domain": DOMAIN[region],
        "subject_name": "天津滨海示例科技有限公司",
        "subject_category": SubjectCategory.LEGAL_PERSON,
        "uscc": ENTERPRISE,
        "legal_representative": "张伟",
        "decision_no": f"{region.value[:2]}罚〔{decided.year}〕{number}号",
        "violation_type": "未按规定履行义务",
        "violation_facts": f"事实描述 {region.value} {number}",
        "legal_basis": "《中华人民共和国行政处罚法》",
        "categories": (PenaltyCategory.FINE,),
        "content": "罚款人民币5000元",
        "fine_amount": Decimal("0.5"),
        "decision_date": decided,
        "authority_name": AUTHORITY_NAME[region],
        "authority_uscc": AUTHORITY_USCC[region],
        "procedure": Procedure.ORDINARY,
    }
    values.update(overrides)
    return Penalty.model_validate(values)


def region_records(region: Region) -> list[Penalty | DishonestyListEntry]:
    """Each region: two live penalties, one simple-procedure one (never leaves the node), one warning only."""
    today = date.today()
    recent = date(today.year - 1, 6, 15)
    return [
        penalty(region, 1, decided=recent),
        penalty(region, 2, decided=date(today.year - 2, 3, 1)),
        penalty(region, 3, decided=recent, procedure=Procedure.SIMPLE),
        penalty(region, 4, decided=recent, categories=(PenaltyCategory.WARNING,), fine_amount=None),
    ]


@dataclass
class Nodes:
    """Running nodes; ``stop(region)`` takes one down, as an outage would."""

    servers: dict[Region, grpc.aio.Server] = field(default_factory=dict)
    targets: dict[Region, str] = field(default_factory=dict)
    stores: list[SqlRecordStore] = field(default_factory=list)
    registers: list[SqlSubjectRegister] = field(default_factory=list)
    #: Each node's warrant verifier, trusting the test broker's keys (its log is read by the warrant tests).
    verifiers: dict[Region, WarrantCheck] = field(default_factory=dict)
    #: The broker's signing keys (``jjj keys init`` in a temporary directory).
    keys_dir: Path = Path("var/keys")
    #: The federation PKI the nodes serve mTLS from; the broker presents its certificate from it.
    pki: PkiLayout | None = None
    #: With ``financial=True``: each node's department confirmations (its department registered, staff
    #: ``dept-<region>`` linked to it) and subject lists (the test enterprise on the financial list).
    confirmations: dict[Region, ConfirmationStore] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def stop(self, region: Region) -> None:
        await self.servers[region].stop(grace=None)


#: The issuer the test brokers name in their warrants, and the one the test nodes accept.
WARRANT_ISSUER = "https://broker.jjj.test"
#: The test brokers' subject-key secret (production settings refuse the published development value).
SUBJECT_KEY_SECRET = "jjj-test-subject-key-0123456789abcdef0123456789"


async def start_nodes(
    pki: PkiLayout,
    tmp_path: Path,
    latency_ms: dict[Region, float] | None = None,
    tls: dict[Region, TlsMaterial] | None = None,
    signing_region: dict[Region, Region] | None = None,
    financial: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> Nodes:
    """Three nodes over mTLS; ``tls`` gives a node other material (an impostor's certificate, say),
    ``signing_region`` makes a node sign with another region's answer key (an attack); ``financial`` gives each
    node the financial list (the test enterprise on it) and department confirmations (``clock``: their time)."""
    nodes = Nodes(keys_dir=tmp_path / "keys", pki=pki)
    ring = init_keys(nodes.keys_dir)
    # The nodes get the broker's public keys the way production does: a JWKS file given by configuration.
    jwks_file = tmp_path / "broker-jwks.json"
    jwks_file.write_text(json.dumps(ring.public_jwks()))
    for region in REGION_ORDER:
        db_url = f"sqlite+aiosqlite:///{tmp_path / region.value}.db"
        store = await SqlRecordStore.open(db_url, region)
        await store.add_records(region_records(region))
        jwks = await BrokerJwks.load(str(jwks_file))
        verifier = await WarrantCheck.open(db_url, region, jwks, issuers=(WARRANT_ISSUER,))
        nodes.verifiers[region] = verifier
        register = await SqlSubjectRegister.open(db_url, region)
        if region in REGISTERED:
            await register.register([REGISTERED[region]])
        config = NodeConfig(region=region, latency_ms=(latency_ms or {}).get(region, 0.0))
        material = (tls or {}).get(region) or node_tls(pki, region)
        extra = await _financial_node(nodes, region, db_url, tmp_path, clock) if financial else {}
        server, port = await create_server(
            "127.0.0.1:0", store, config, tls=material, verifier=verifier,
            signer=answer_signer(pki, (signing_region or {}).get(region, region)), register=register, **extra,
        )  # fmt: skip
        nodes.servers[region] = server
        nodes.targets[region] = f"127.0.0.1:{port}"
        nodes.stores.append(store)
        nodes.registers.append(register)
    return nodes


async def _financial_node(
    nodes: Nodes, region: Region, db_url: str, tmp_path: Path, clock: Callable[[], datetime] | None
) -> dict[str, Any]:
    lists = await SqlSubjectLists.open(db_url, region)
    await lists.replace("financial", [ListEntry(ENTERPRISE, "天津滨海示例科技有限公司")])
    tickets = await TicketStore.open(db_url, region)
    options: dict[str, Any] = {} if clock is None else {"clock": clock}
    confirmations = ConfirmationStore(tickets.engine, region, SealKeys(tmp_path / f"seals-{region.value}"), **options)
    await confirmations.create_tables()
    department, _key = await confirmations.add_department(AUTHORITY_NAME[region], AUTHORITY_USCC[region])
    await StaffAccounts(tickets.engine).add(f"dept-{region.value}", STAFF_PASSWORD)
    await confirmations.link_staff(f"dept-{region.value}", department)
    nodes.confirmations[region] = confirmations
    nodes.closers += [lists.close, tickets.close]
    return {"lists": lists, "confirmations": confirmations}


#: The password of the department staff accounts of ``start_nodes(financial=True)``.
STAFF_PASSWORD = "department staff password"


async def stop_nodes(nodes: Nodes) -> None:
    for server in nodes.servers.values():
        await server.stop(grace=None)
    for close in nodes.closers:
        await close()
    for verifier in nodes.verifiers.values():
        await verifier.close()
    for register in nodes.registers:
        await register.close()
    for store in nodes.stores:
        await store.close()


@pytest.fixture
async def nodes(pki: PkiLayout, tmp_path: Path) -> AsyncIterator[Nodes]:
    running = await start_nodes(pki, tmp_path)
    yield running
    await stop_nodes(running)


def settings_for(nodes: Nodes, redis_prefix: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "redis_url": REDIS_URL,
        "redis_prefix": redis_prefix,
        "node_beijing": nodes.targets[Region.BEIJING],
        "node_tianjin": nodes.targets[Region.TIANJIN],
        "node_hebei": nodes.targets[Region.HEBEI],
        "request_deadline_s": 3.0,
        "keys_dir": nodes.keys_dir,
        "warrant_issuer": WARRANT_ISSUER,
        "subject_key_secret": SUBJECT_KEY_SECRET,
        # Most tests never render a PDF: no pool of workers warming beside each test app (tests of the
        # warm-up ask for it).
        "pdf_prewarm": False,
    }
    if nodes.pki is not None:
        values |= {"tls_cert": nodes.pki.broker_cert, "tls_key": nodes.pki.broker_key, "tls_ca": nodes.pki.ca_cert}
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def broker_factory(
    aiohttp_client: AiohttpClient, nodes: Nodes, redis_prefix: str, redis_client: aioredis.Redis, redis_url: str
) -> Callable[..., Awaitable[TestClient]]:  # type: ignore[type-arg]
    """Builds the real app for these nodes, on ``redis_url`` (the cluster in a test's ``[cluster]`` run); keyword
    arguments override settings."""

    async def make(**overrides: object) -> TestClient:  # type: ignore[type-arg]
        # The broker builds every absolute URL from its configured public address, never from the Host header;
        # so the test server listens where that address says.
        port = free_port()
        overrides.setdefault("public_base_url", f"http://127.0.0.1:{port}")
        overrides.setdefault("redis_url", redis_url)
        app = create_app(settings_for(nodes, redis_prefix, **overrides))
        # The access log jjj serve uses (no query strings: verification codes travel as ?code=…).
        server = TestServer(app, port=port)
        await server.start_server(access_log_class=PathOnlyAccessLogger)
        return await aiohttp_client(server)

    return make


PASSWORD = "correct horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(client: TestClient, subject: str = ENTERPRISE, name: str = "示例主体") -> str:  # type: ignore[type-arg]
    """Create ``subject``'s built-in account and sign in through the form, as a browser would; returns the
    session's CSRF token (send it as ``X-CSRF-Token`` with cookie-authenticated state changes)."""
    from broker.web.appkeys import ACCOUNTS
    from merge.identifiers import parse_subject

    await client.app[ACCOUNTS].add(parse_subject(subject), name, PASSWORD)
    page = await client.get("/signin")
    match = _CSRF_FIELD.search(await page.text())
    assert match is not None
    response = await client.post(
        "/signin",
        data={"subject": subject, "password": PASSWORD, "csrf_token": match.group(1), "next": "/account"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    me = await client.get("/v1/me")
    assert me.status == 200
    token: str = (await me.json())["csrf_token"]
    return token
