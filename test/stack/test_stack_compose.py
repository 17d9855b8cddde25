"""docker-compose.yml and docker-compose.cpu.yml, checked by the real Compose binary (no engine needed for `config`)
and against the compose-spec JSON schema that check-jsonschema ships."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from stack_helpers import (
    COMPOSE_CPU_FILE,
    COMPOSE_FILE,
    ROOT,
    compose_env,
    read_env_example,
    resolved_compose,
    run_compose,
    tool,
)

BOTH = (COMPOSE_FILE, COMPOSE_CPU_FILE)
GIB = 1024**3


@pytest.fixture(scope="module")
def gpu() -> dict:
    return resolved_compose(profiles=("openclaw",))


@pytest.fixture(scope="module")
def cpu() -> dict:
    return resolved_compose(files=BOTH)


def test_compose_accepts_both_variants() -> None:
    for files in ((COMPOSE_FILE,), BOTH):
        result = run_compose("config", "--quiet", files=files)
        assert result.returncode == 0, result.stderr


def test_compose_rejects_a_missing_api_key() -> None:
    result = run_compose("config", "--quiet", env=compose_env(API_KEY=""))
    assert result.returncode != 0
    assert "set API_KEY in .env" in result.stderr


def test_compose_rejects_an_unknown_key(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yml"
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    data["services"]["proxy"]["helthcheck"] = data["services"]["proxy"].pop("healthcheck")
    broken.write_text(yaml.safe_dump(data))
    result = run_compose("config", "--quiet", files=(broken,))
    assert result.returncode != 0
    assert "helthcheck" in result.stderr


@pytest.mark.parametrize("variant", ["gpu", "cpu"])
def test_resolved_compose_matches_the_compose_spec_schema(variant: str, request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    model = request.getfixturevalue(variant)
    doc = tmp_path / f"{variant}.json"
    doc.write_text(json.dumps(model))
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(doc)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_source_compose_file_matches_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_default_services_and_profiles(gpu: dict) -> None:
    assert set(gpu["services"]) == {"export", "triton", "proxy", "openclaw"}
    assert gpu["services"]["openclaw"]["profiles"] == ["openclaw"]
    default = resolved_compose()
    assert set(default["services"]) == {"export", "triton", "proxy"}


def test_every_build_points_at_an_existing_dockerfile(gpu: dict) -> None:
    for name, service in gpu["services"].items():
        build = service["build"]
        context = Path(build["context"])
        assert context == ROOT, f"{name} builds from {context}, not the repository root"
        assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']} does not exist"


def test_images_are_pinned(gpu: dict) -> None:
    for name, service in gpu["services"].items():
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{name}: image {image} has no tag"
        assert not image.endswith(":latest"), f"{name}: image {image} is not pinned"


def test_named_volumes_are_declared_and_used(gpu: dict) -> None:
    used = {
        mount["source"]
        for service in gpu["services"].values()
        for mount in service.get("volumes", [])
        if mount["type"] == "volume"
    }
    assert used == set(gpu["volumes"])
    assert {"model-repository", "hf-cache"} <= used


def mounts(service: dict) -> dict[str, dict]:
    return {m["source"]: m for m in service.get("volumes", []) if m["type"] == "volume"}


def test_export_writes_the_model_repository_and_exits(gpu: dict) -> None:
    export = gpu["services"]["export"]
    volumes = mounts(export)
    out = export["command"][export["command"].index("--out") + 1]
    assert volumes["model-repository"]["target"] == out
    assert not volumes["model-repository"].get("read_only", False)
    assert volumes["hf-cache"]["target"] == export["environment"]["HF_HOME"]
    assert export["command"][0] == "export"
    assert export["restart"] == "no"
    # traced on the CPU, served on the GPU: the export container needs no GPU
    assert export["command"][export["command"].index("--device") + 1] == "cpu"
    assert export["command"][export["command"].index("--instance-kind") + 1] == "gpu"
    assert "deploy" not in export


def test_triton_serves_the_exported_repository_on_the_gpu(gpu: dict) -> None:
    triton = gpu["services"]["triton"]
    assert triton["depends_on"]["export"]["condition"] == "service_completed_successfully"
    command = triton["command"]
    assert command[0] == "tritonserver"
    flags = dict(arg.split("=", 1) if "=" in arg else (arg, "") for arg in command[1:])
    repository = mounts(triton)["model-repository"]
    assert flags["--model-repository"] == repository["target"]
    assert repository["read_only"] is True
    devices = triton["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": -1, "capabilities": ["gpu"]}]
    assert int(triton["shm_size"]) >= GIB
    published = {int(p["target"]): p for p in triton["ports"]}
    assert set(published) == {int(flags["--http-port"]), int(flags["--grpc-port"]), int(flags["--metrics-port"])}
    assert {p["host_ip"] for p in published.values()} == {"127.0.0.1"}
    health = " ".join(triton["healthcheck"]["test"])
    assert f"http://127.0.0.1:{flags['--http-port']}/v2/health/ready" in health


def test_proxy_reaches_triton_and_waits_for_it(gpu: dict) -> None:
    proxy = gpu["services"]["proxy"]
    triton = gpu["services"]["triton"]
    env = proxy["environment"]
    http_port = next(a.split("=")[1] for a in triton["command"] if a.startswith("--http-port="))
    assert env["TRITON_URL"] == f"http://triton:{http_port}"
    assert env["HOST"] == "0.0.0.0"
    assert [int(p["target"]) for p in proxy["ports"]] == [int(env["PORT"])]
    assert proxy["depends_on"]["triton"]["condition"] == "service_healthy"
    assert env["API_KEY"] == "test-key"
    assert "/health" in " ".join(proxy["healthcheck"]["test"])
    assert proxy["read_only"] is True
    assert proxy["cap_drop"] == ["ALL"]


def test_openclaw_uses_the_proxy(gpu: dict) -> None:
    openclaw = gpu["services"]["openclaw"]
    proxy_port = gpu["services"]["proxy"]["environment"]["PORT"]
    assert openclaw["environment"]["GPU_BRIDGE_URL"] == f"http://proxy:{proxy_port}"
    assert openclaw["environment"]["GPU_BRIDGE_API_KEY"] == "test-key"
    assert openclaw["depends_on"]["proxy"]["condition"] == "service_healthy"


def test_cpu_variant_has_no_gpu_and_exports_for_the_cpu(cpu: dict, gpu: dict) -> None:
    triton = cpu["services"]["triton"]
    assert "deploy" not in triton
    export = cpu["services"]["export"]["command"]
    assert export[export.index("--instance-kind") + 1] == "cpu"
    # everything else is the GPU stack's
    assert triton["command"] == gpu["services"]["triton"]["command"]
    assert cpu["services"]["proxy"] == gpu["services"]["proxy"]


def referenced_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)", text))


def test_env_example_lists_every_variable_the_compose_files_use() -> None:
    documented = read_env_example()
    for path in (COMPOSE_FILE, COMPOSE_CPU_FILE):
        missing = referenced_variables(path.read_text()) - set(documented)
        assert not missing, f"{path.name} uses {sorted(missing)}, not in .env.example"


def test_env_example_has_no_unused_variable() -> None:
    used = referenced_variables(COMPOSE_FILE.read_text() + COMPOSE_CPU_FILE.read_text())
    compose_builtins = {"COMPOSE_FILE"}
    unused = set(read_env_example()) - used - compose_builtins
    assert not unused, f".env.example lists {sorted(unused)}, used by no compose file"


def test_env_example_defaults_are_the_compose_defaults() -> None:
    """Where the compose file gives a default (`${X:-d}`), .env.example shows the same one."""
    documented = read_env_example()
    text = COMPOSE_FILE.read_text() + COMPOSE_CPU_FILE.read_text()
    for name, default in re.findall(r"\$\{([A-Z0-9_]+):-([^}]*)\}", text):
        if default:
            assert documented[name] == default, f"{name}: compose default {default!r}, .env.example {documented[name]!r}"


@pytest.fixture(scope="module")
def proxy_defaults() -> dict:
    """The proxy's own configuration defaults: its config module's parseConfig({}), run with tsx."""
    script = ("import { parseConfig } from './proxy/src/app/config.ts';"
              "process.stdout.write(JSON.stringify(parseConfig({})));")
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsx"), "--eval", script], check=False,
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_passes_every_proxy_setting(gpu: dict, proxy_defaults: dict) -> None:
    passed = set(gpu["services"]["proxy"]["environment"])
    not_for_containers = {"MODEL_REPOSITORY"}  # the embedded runtime's folder; the stack's proxy uses Triton
    missing = (set(proxy_defaults) | {"API_KEY"}) - passed - not_for_containers
    assert not missing, f"the proxy reads {sorted(missing)}, the compose file never sets them"


def test_env_example_shows_the_proxy_defaults(proxy_defaults: dict) -> None:
    documented = read_env_example()
    stack_specific = {"TRITON_URL", "HOST", "PORT"}  # the stack points at its Triton and listens on all interfaces
    for name, default in proxy_defaults.items():
        if name in stack_specific or name not in documented:
            continue
        shown = documented[name]
        expected = str(default).lower() if isinstance(default, bool) else str(default)
        assert shown == expected, f"{name}: .env.example says {shown!r}, the proxy defaults to {expected!r}"
    assert set(proxy_defaults) - stack_specific - {"MODEL_REPOSITORY"} <= set(documented)


@pytest.mark.parametrize("variant", ["gpu", "cpu"])
def test_export_command_is_one_the_export_cli_accepts(variant: str, request: pytest.FixtureRequest) -> None:
    from gpu_bridge_export.cli import build_parser

    export_dockerfile = (ROOT / "export-scripts" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["gpu-bridge-export"]' in export_dockerfile
    command = request.getfixturevalue(variant)["services"]["export"]["command"]
    args = build_parser().parse_args(command)
    assert args.command == "export"
    assert str(args.out) == "/models"
    assert args.instance_kind == ("gpu" if variant == "gpu" else "cpu")
