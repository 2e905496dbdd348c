"""deploy/ is not built here (no Docker engine), so its key facts are checked by reading it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import validate_config

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
SECRET_WORDS = re.compile(r"(password|secret|token|api[_-]?key)", re.I)


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _k8s() -> list[dict[str, Any]]:
    return [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in _docs(p)]


def _deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _k8s() if d["kind"] == "Deployment"}


def test_dockerfile_is_multistage_non_root_without_torch() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert len(re.findall(r"^FROM\s+python:3\.11", code, re.M)) == 2
    assert re.search(r"^FROM .* AS build$", code, re.M) and "COPY --from=build" in code
    assert "torch" not in code.lower() and "[train]" not in code and "transformers" not in code
    users = re.findall(r"^USER\s+(\S+)", code, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*?/healthz", code, re.M | re.S)
    assert re.search(r'^ENTRYPOINT \["scout"\]', code, re.M)


def test_compose_services_replicas_and_no_inlined_secrets() -> None:
    compose = _docs(DEPLOY / "compose.yaml")[0]
    services = compose["services"]
    assert set(services) >= {"db", "web", "worker", "scheduler"}
    assert services["db"]["image"].startswith("postgres:16")
    assert "healthcheck" in services["db"] and any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["scheduler"]["deploy"]["replicas"] == 2
    for name in ("web", "worker", "scheduler"):
        svc = services[name]
        assert svc["command"][0] == name
        assert ".env" in svc["env_file"]
        assert any(v.endswith(":/etc/brand-scout/config.yaml:ro") for v in svc["volumes"])
        url = svc["environment"]["BRAND_SCOUT_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "${POSTGRES_PASSWORD" in url
    for svc in services.values():
        for key, value in (svc.get("environment") or {}).items():
            if SECRET_WORDS.search(key):
                assert str(value).startswith("${"), f"{key} is inlined in compose.yaml"
    assert "healthz" in str(services["web"]["healthcheck"]["test"])


def test_k8s_deployments_probes_resources_non_root() -> None:
    deps = _deployments()
    assert set(deps) == {"brand-scout-web", "brand-scout-worker", "brand-scout-scheduler"}
    assert deps["brand-scout-scheduler"]["spec"]["replicas"] == 2
    for name, d in deps.items():
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        (c,) = pod["containers"]
        assert c["args"][0] == name.removeprefix("brand-scout-")
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["resources"]["requests"] and c["resources"]["limits"]
        assert {"secretRef": {"name": "brand-scout-env"}} in c["envFrom"]
        for e in c.get("env", []):  # inline values only for plain settings; secrets come via envFrom
            assert e["name"].startswith("BRAND_SCOUT__") and "valueFrom" not in e, e
            assert not any(w in e["name"] for w in ("TOKEN", "SECRET", "PASSWORD", "DATABASE_URL")), e
    web = deps["brand-scout-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_k8s_secret_holds_placeholders_only_and_configmap_is_valid() -> None:
    docs = _k8s()
    (secret,) = [d for d in docs if d["kind"] == "Secret"]
    assert secret["stringData"] and all("CHANGE-ME" in v for v in secret["stringData"].values())
    assert "data" not in secret
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap"]
    raw = cm["data"]["config.yaml"]
    assert not re.search(r"xox[bp]-|CHANGE-ME", raw)
    cfg = validate_config(yaml.safe_load(raw), path="configmap", env={})
    assert cfg.storage.url_env == "BRAND_SCOUT_DATABASE_URL"


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_systemd_units_are_hardened(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    for line in ("EnvironmentFile=/etc/brand-scout/env", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "User=brand-scout", "PrivateTmp=yes"):
        assert line in text, f"{unit}: {line}"
    assert re.search(r"^ExecStart=\S*scout (run|web|worker|scheduler) --config /etc/brand-scout/config.yaml$",
                     text, re.M)
    if unit == "brand-scout.service":
        assert "scout run --config /etc/brand-scout/config.yaml" in text


def test_env_example_has_names_but_no_values() -> None:
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z0-9_]+=", line), line
