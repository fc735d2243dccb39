"""The deployment files, checked by linters that run offline here (no container engine does):
hadolint for the Dockerfile, the compose-spec JSON schema (vendored, with its licence, by
check-jsonschema) for deploy/compose.yaml, Kubernetes' own OpenAPI schemas (kubernetes-validate) for
deploy/k8s, and `haproxy -c` for deploy/haproxy.cfg. Each checker is also shown a broken file, so a
checker that accepts everything would fail here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.30.0"


def tool(name: str) -> str:
    """A checker installed with the dev extras (beside this interpreter), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name, path=f"{os.defpath}:/usr/sbin:/sbin")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed (CI=true: the deployment checks must run)")
        pytest.skip(f"{name} is not installed")
    return found


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)


# --- Dockerfile ------------------------------------------------------------------------------------
def test_dockerfile_passes_hadolint() -> None:
    result = run(tool("hadolint"), "--no-color", str(ROOT / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_rejects_a_careless_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nCMD oppbot serve\n")
    result = run(tool("hadolint"), "--no-color", str(bad))
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag


def test_dockerfile_is_multi_stage_non_root_with_a_readiness_healthcheck() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    assert any(line.startswith("COPY --from=build") for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    text = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/healthz" in text
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignore and "!src/" in ignore  # nothing but the sources and pyproject goes in
    # `oppbot teams package` in the container reads the manifest from /app (its working directory).
    assert "!manifests/teams/" in ignore and "COPY manifests/teams /app/manifests/teams" in text


# --- compose ----------------------------------------------------------------------------------------
def compose_check(path: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path))


def test_compose_file_matches_the_compose_spec_schema() -> None:
    result = compose_check(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_rejects_a_wrong_file(tmp_path: Path) -> None:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    data["services"]["oppbot-1"]["restart_policy"] = "always"  # not a service key
    bad = tmp_path / "compose.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert compose_check(bad).returncode != 0


def test_compose_topology() -> None:
    services: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    commands = {name: service.get("command") for name, service in services.items()}
    serving = [name for name, command in commands.items() if command and command[0] == "serve"]
    assert len(serving) == 2
    assert commands["scheduler"] == ["scheduler"] and commands["migrate"] == ["db", "upgrade"]
    assert services["postgres"]["image"].startswith("postgres:")
    for name in serving:
        env = services[name]["environment"]
        assert env["OPPBOT_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["OPPBOT_SCHEDULER"] == "off"  # the scheduler service sends reminders
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services["lb"]["environment"][f"BACKEND_{serving.index(name) + 1}"] == f"{name}:3000"
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["lb"]["volumes"]


# --- Kubernetes -------------------------------------------------------------------------------------
def manifests() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted((DEPLOY / "k8s").rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((path, document))
    return found


def test_kubernetes_manifests_match_the_api_schemas() -> None:
    docs = manifests()
    assert len(docs) >= 8
    for path, document in docs:
        try:
            kubernetes_validate.validate(document, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.relative_to(ROOT)}: {exc}")


def test_kubernetes_schema_check_rejects_a_wrong_manifest() -> None:
    deployment = next(d for p, d in manifests() if p.name == "deployment.yaml")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment["spec"]["replicas"] = 2
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # a typo: strict
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_kubernetes_topology() -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for _path, document in manifests():
        by_kind.setdefault(document["kind"], []).append(document)
    web = next(d for d in by_kind["Deployment"] if d["metadata"]["name"] == "oppbot")
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:1] == ["serve"] and "--workers" in container["args"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert {"secretRef": {"name": "oppbot"}} in container["envFrom"]
    assert web["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    scheduler = next(d for d in by_kind["Deployment"] if d["metadata"]["name"] == "oppbot-scheduler")
    assert scheduler["spec"]["template"]["spec"]["containers"][0]["args"] == ["scheduler"]
    job = by_kind["Job"][0]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"] == ["db", "upgrade"]
    selector = web["spec"]["selector"]["matchLabels"]
    assert by_kind["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"] == selector
    assert by_kind["Service"][0]["spec"]["selector"] == selector
    assert by_kind["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]["name"] == "oppbot"
    assert by_kind["Secret"][0]["metadata"]["name"] == "oppbot"


# --- HAProxy ----------------------------------------------------------------------------------------
def haproxy_env() -> dict[str, str]:
    addresses = {"LB_BIND": "127.0.0.1:18080", "BACKEND_1": "127.0.0.1:18081", "BACKEND_2": "127.0.0.1:18082"}
    return dict(os.environ) | addresses


def test_haproxy_config_is_valid(tmp_path: Path) -> None:
    result = run(tool("haproxy"), "-c", "-f", str(DEPLOY / "haproxy.cfg"), env=haproxy_env())
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "haproxy.cfg"
    bad.write_text((DEPLOY / "haproxy.cfg").read_text().replace("balance roundrobin", "balance fastest"))
    assert run(tool("haproxy"), "-c", "-f", str(bad), env=haproxy_env()).returncode != 0
