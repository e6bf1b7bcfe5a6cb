"""adapters.channel_config: keepalive the node accepts, no channel retry policy (retries carry fresh warrants,
broker/reports/retries.py), round robin over healthy replicas, replica lists."""

from __future__ import annotations

import json

import pytest

from adapters.channel_config import (
    SERVER_MIN_PING_INTERVAL_MS,
    client_options,
    server_options,
    service_config,
    target_addresses,
)
from adapters.convert import SERVICE_NAME


def test_a_client_pinging_more_often_than_the_node_accepts_is_refused() -> None:
    with pytest.raises(ValueError, match="too_many_pings"):
        client_options(keepalive_ms=SERVER_MIN_PING_INTERVAL_MS - 1)
    options = dict(client_options())
    assert (
        options["grpc.keepalive_time_ms"] >= dict(server_options())["grpc.http2.min_recv_ping_interval_without_data_ms"]
    )
    assert json.loads(options["grpc.service_config"]) == service_config()


def test_the_channel_never_resends_a_call_and_balances_over_healthy_replicas() -> None:
    config = service_config()
    # A resent call carries a warrant a dead replica may have spent: the retry must be the broker's, re-signed.
    for method in config.get("methodConfig", []):
        assert "retryPolicy" not in method
        assert "hedgingPolicy" not in method
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"] == {"serviceName": SERVICE_NAME}


@pytest.mark.parametrize(
    ("target", "addresses"),
    [
        ("127.0.0.1:50051", ["127.0.0.1:50051"]),
        ("dns:///node.tj:50051", ["node.tj:50051"]),
        ("ipv4:127.0.0.1:1,127.0.0.1:2", ["127.0.0.1:1", "127.0.0.1:2"]),
        ("ipv6:[::1]:1", ["[::1]:1"]),
    ],
)
def test_target_addresses(target: str, addresses: list[str]) -> None:
    assert target_addresses(target) == addresses


def test_an_empty_replica_list_is_refused() -> None:
    with pytest.raises(ValueError, match="no address"):
        target_addresses("ipv4:")
