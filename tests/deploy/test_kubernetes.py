"""deploy/kubernetes: every manifest valid for a pinned Kubernetes version (kubernetes-validate's offline schemas,
strict: no unknown field), and the rules a reviewer would otherwise have to check by eye: non-root, read-only root
file system, no privilege escalation, resources, probes on the right endpoints, secrets mounted 0400, a disruption
budget and a Service for every Deployment, settings that exist, and node arguments the node accepts."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from adapters.cli import build_parser
from broker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
#: The Kubernetes release the manifests are written for (gRPC probes are GA since 1.27).
KUBERNETES_VERSION = "1.33.0"


def _resources() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def _of_kind(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc) for name, doc in _resources() if doc["kind"] == kind]


def test_there_are_manifests_for_the_broker_and_each_node() -> None:
    names = {path.name for path in MANIFESTS}
    assert {"broker.yaml", "node-beijing.yaml", "node-tianjin.yaml", "node-hebei.yaml"} <= names
    assert len(_of_kind("Deployment")) == 4


@pytest.mark.parametrize(("file", "resource"), _resources(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_each_resource_is_valid_for_the_pinned_kubernetes(file: str, resource: dict[str, Any]) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)  # raises naming the path at fault


@pytest.mark.parametrize(("file", "deployment"), _of_kind("Deployment"), ids=lambda v: v if isinstance(v, str) else "")
def test_each_deployment_runs_locked_down_with_resources_probes_and_a_budget(
    file: str, deployment: dict[str, Any]
) -> None:
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        assert {"livenessProbe", "readinessProbe"} <= set(container)
    for volume in pod["volumes"]:
        for secret in [volume.get("secret")] + [
            s.get("secret") for s in volume.get("projected", {}).get("sources", [])
        ]:
            if secret is not None:
                mode = secret.get("defaultMode", volume.get("projected", {}).get("defaultMode"))
                assert mode == 0o400, (file, volume["name"])
    labels = deployment["spec"]["selector"]["matchLabels"]
    namespace = deployment["metadata"]["namespace"]
    same = [d for _, d in _resources() if d["metadata"].get("namespace") == namespace]
    assert any(d["kind"] == "PodDisruptionBudget" and d["spec"]["selector"]["matchLabels"] == labels for d in same)
    assert any(d["kind"] == "Service" and d["spec"]["selector"] == labels for d in same)


def test_the_broker_is_probed_on_healthz_live_and_ready() -> None:
    ((_, broker),) = [(f, d) for f, d in _of_kind("Deployment") if d["metadata"]["name"] == "jjj-broker"]
    container = broker["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"


def test_the_brokers_settings_are_real_settings_and_production_accepts_them() -> None:
    ((_, config),) = [(f, d) for f, d in _of_kind("ConfigMap") if d["metadata"]["name"] == "jjj-broker"]
    variables = {k: v for k, v in config["data"].items() if k.startswith("JJJ_")}
    known = {f"JJJ_{name.upper()}" for name in Settings.model_fields}
    assert set(variables) <= known, set(variables) - known  # a misspelt name would be ignored silently
    ((_, secrets),) = [(f, d) for f, d in _of_kind("Secret") if d["metadata"]["name"] == "jjj-broker-settings"]
    values = {k.removeprefix("JJJ_").lower(): v for k, v in {**variables, **secrets["stringData"]}.items()}
    settings = Settings.model_validate({**values, "subject_key_secret": "x" * 48})
    assert settings.production_problems() == []
    assert settings.redis_min_replicas_ack == 1


@pytest.mark.parametrize(
    "deployment",
    [d for _, d in _of_kind("Deployment") if d["metadata"]["name"] == "jjj-node"],
    ids=lambda d: d["metadata"]["namespace"],
)
def test_each_node_is_given_arguments_it_accepts_and_probed_by_grpc_health(deployment: dict[str, Any]) -> None:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "jjj-adapter"
    args = build_parser().parse_args(container["args"][1:])
    assert args.health_port == 50061
    region = deployment["metadata"]["namespace"].removeprefix("jjj-node-")
    assert args.region.value == region
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["grpc"]["port"] == args.health_port, shlex.join(container["args"])
