"""The portal in a real browser: one Chromium per session, one live broker with three nodes per test module.

The nodes answer at different speeds (Beijing fastest, Hebei slowest), so the page can be seen to show one region
answered while another is still waiting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.pki import PkiLayout
from broker.web.appkeys import ACCOUNTS
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.broker.conftest import ENTERPRISE, PASSWORD, PERSON
from tests.broker.live import LiveBroker, live_broker
from tests.e2e.portal.browser import Chromium, start_chromium, stop_chromium

LATENCY_MS = {Region.BEIJING: 150.0, Region.TIANJIN: 700.0, Region.HEBEI: 1500.0}
ENTERPRISE_NAME = "天津滨海示例科技有限公司"
PERSON_NAME = "张三"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    running, thread = start_chromium()
    yield running
    stop_chromium(running, thread)


@pytest.fixture(scope="module")
def portal(pki: PkiLayout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBroker]:
    with live_broker(pki, tmp_path_factory.mktemp("portal"), latency_ms=LATENCY_MS, request_deadline_s=4.0) as live:

        async def accounts() -> None:
            await live.app[ACCOUNTS].add(parse_subject(ENTERPRISE), ENTERPRISE_NAME, PASSWORD)
            await live.app[ACCOUNTS].add(parse_subject(PERSON), PERSON_NAME, PASSWORD)

        live.run(accounts)
        yield live
