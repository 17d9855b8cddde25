"""deploy/k8s: rendered with kubectl's kustomize, validated against the Kubernetes JSON schemas that
kubernetes-validate ships (strict: unknown fields fail), then checked for how the pieces fit together."""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest
import yaml
from stack_helpers import ROOT, resolved_compose, tool

K8S = ROOT / "deploy" / "k8s"
KSERVE_KINDS = {"InferenceService", "ServingRuntime"}


def render(overlay: str) -> list[dict]:
    result = subprocess.run([tool("kubectl"), "kustomize", str(K8S / overlay)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return render("base")


@pytest.fixture(scope="module")
def kserve() -> list[dict]:
    return render("kserve")


def find(docs: list[dict], kind: str, name: str) -> dict:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def test_every_manifest_file_parses() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"), path


@pytest.mark.parametrize("overlay", ["base", "kserve"])
def test_manifests_match_the_kubernetes_schemas(overlay: str, request: pytest.FixtureRequest) -> None:
    docs = request.getfixturevalue(overlay)
    for doc in docs:
        if doc["kind"] in KSERVE_KINDS:
            continue
        for version in ("1.30.0", kubernetes_validate.latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_catches_a_misspelt_field(base: list[dict]) -> None:
    deployment = find(base, "Deployment", "triton")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_everything_lives_in_one_namespace(base: list[dict]) -> None:
    namespaced = [d for d in base if d["kind"] != "Namespace"]
    assert {d["metadata"]["namespace"] for d in namespaced} == {find(base, "Namespace", "gpu-bridge")["metadata"]["name"]}


def test_deployment_selectors_match_their_pod_labels(base: list[dict]) -> None:
    for deployment in (d for d in base if d["kind"] == "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), deployment["metadata"]["name"]


def pod_of(docs: list[dict], selector: dict) -> dict:
    pods = [
        d["spec"]["template"]
        for d in docs
        if d["kind"] in ("Deployment", "Job") and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert len(pods) == 1, f"selector {selector} matches {len(pods)} pod templates"
    return pods[0]


def container_ports(pod: dict) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}


def test_services_select_a_workload_and_name_its_ports(base: list[dict]) -> None:
    services = [d for d in base if d["kind"] == "Service"]
    assert {s["metadata"]["name"] for s in services} == {"triton", "gpu-bridge"}
    for service in services:
        ports = container_ports(pod_of(base, service["spec"]["selector"]))
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{service['metadata']['name']}: no container port {port['targetPort']}"


def test_triton_gets_a_gpu_and_probes_its_health_endpoints(base: list[dict]) -> None:
    pod = find(base, "Deployment", "triton")["spec"]["template"]
    triton = next(c for c in pod["spec"]["containers"] if c["name"] == "triton")
    assert triton["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert triton["resources"]["requests"]["nvidia.com/gpu"] == 1
    ports = container_ports(pod)
    for probe in ("readinessProbe", "startupProbe"):
        assert triton[probe]["httpGet"]["path"] == "/v2/health/ready"
    assert triton["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    for probe in ("readinessProbe", "startupProbe", "livenessProbe"):
        assert triton[probe]["httpGet"]["port"] in ports
    flags = dict(a.split("=", 1) for a in triton["args"][1:] if "=" in a)
    assert int(flags["--http-port"]) == ports["http"]
    assert int(flags["--grpc-port"]) == ports["grpc"]
    assert int(flags["--metrics-port"]) == ports["metrics"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["mountPath"]: m for m in triton["volumeMounts"]}
    assert volumes[mounts["/dev/shm"]["name"]]["emptyDir"]["medium"] == "Memory"
    repository = mounts[flags["--model-repository"]]
    assert repository["readOnly"] is True
    claim = volumes[repository["name"]]["persistentVolumeClaim"]["claimName"]
    find(base, "PersistentVolumeClaim", claim)
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["spec"]["tolerations"])


def test_triton_runs_like_the_compose_stack(base: list[dict]) -> None:
    triton = find(base, "Deployment", "triton")["spec"]["template"]["spec"]["containers"][0]
    compose = resolved_compose()["services"]["triton"]["command"]
    assert triton["args"] == compose


def test_export_job_fills_the_volume_triton_reads(base: list[dict]) -> None:
    job = find(base, "Job", "model-export")["spec"]["template"]["spec"]
    export = job["containers"][0]
    out = export["args"][export["args"].index("--out") + 1]
    mount = next(m for m in export["volumeMounts"] if m["mountPath"] == out)
    claim = next(v for v in job["volumes"] if v["name"] == mount["name"])["persistentVolumeClaim"]["claimName"]
    triton_volumes = find(base, "Deployment", "triton")["spec"]["template"]["spec"]["volumes"]
    assert claim in {v["persistentVolumeClaim"]["claimName"] for v in triton_volumes if "persistentVolumeClaim" in v}
    assert export["args"] == resolved_compose()["services"]["export"]["command"]
    assert "nvidia.com/gpu" not in export["resources"].get("limits", {}), "the export traces on the CPU"


def test_proxy_reaches_the_triton_service_with_the_key_from_a_secret(base: list[dict]) -> None:
    pod = find(base, "Deployment", "proxy")["spec"]["template"]
    proxy = pod["spec"]["containers"][0]
    env = {e["name"]: e for e in proxy["env"]}
    triton_service = find(base, "Service", "triton")
    http = next(p["port"] for p in triton_service["spec"]["ports"] if p["name"] == "http")
    assert env["TRITON_URL"]["value"] == f"http://{triton_service['metadata']['name']}:{http}"
    assert env["API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "gpu-bridge-api-key", "key": "API_KEY"}
    assert env["HOST"]["value"] == "0.0.0.0"
    assert int(env["PORT"]["value"]) == container_ports(pod)["http"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert proxy[probe]["httpGet"]["path"] == "/health"
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert proxy["securityContext"]["readOnlyRootFilesystem"] is True


def test_images_are_pinned(base: list[dict], kserve: list[dict]) -> None:
    images = set()
    for doc in base + kserve:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", {})
        for c in pod.get("containers", []) + pod.get("initContainers", []) + spec.get("containers", []):
            images.add(c["image"])
    assert len(images) >= 4
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest", f"{image} is not pinned"


def test_triton_serves_what_is_exported_with_the_compose_flags(base: list[dict], kserve: list[dict]) -> None:
    """A model that cannot load (roberta-large not exported) leaves the others serving, everywhere the same way
    (test/triton runs the real server with compose's flags)."""

    def serving(args: list[str]) -> list[str]:
        return [a for a in args if a.startswith(("--strict-readiness", "--exit-on-error"))]

    compose = serving(resolved_compose()["services"]["triton"]["command"])
    assert compose == ["--strict-readiness=false", "--exit-on-error=false"]
    pod = find(base, "Deployment", "triton")["spec"]["template"]["spec"]
    assert serving(next(c for c in pod["containers"] if c["name"] == "triton")["args"]) == compose
    runtime = next(d for d in kserve if d["kind"] == "ServingRuntime")
    assert serving(runtime["spec"]["containers"][0]["args"]) == compose


def test_kserve_overlay_swaps_the_deployment_for_an_inference_service(kserve: list[dict]) -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in kserve}
    assert ("Deployment", "triton") not in kinds and ("Service", "triton") not in kinds
    isvc = find(kserve, "InferenceService", "triton")
    model = isvc["spec"]["predictor"]["model"]
    runtime = find(kserve, "ServingRuntime", model["runtime"])
    formats = {(f["name"], f["version"]) for f in runtime["spec"]["supportedModelFormats"]}
    assert (model["modelFormat"]["name"], model["modelFormat"]["version"]) in formats
    claim = model["storageUri"].removeprefix("pvc://").split("/")[0]
    find(kserve, "PersistentVolumeClaim", claim)
    assert model["resources"]["limits"]["nvidia.com/gpu"] == 1
    args = runtime["spec"]["containers"][0]["args"]
    http_port = int(next(a for a in args if a.startswith("--http-port=")).split("=")[1])
    assert model["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": http_port}
    assert "--model-repository=/mnt/models" in args
    proxy = find(kserve, "Deployment", "proxy")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in proxy["env"]}
    assert env["TRITON_URL"] == f"http://{isvc['metadata']['name']}-predictor"


def test_kustomizations_list_every_manifest() -> None:
    for overlay in ("base", "kserve"):
        kustomization = yaml.safe_load((K8S / overlay / "kustomization.yaml").read_text())
        listed = {r for r in kustomization["resources"] if r.endswith(".yaml")}
        present = {p.name for p in (K8S / overlay).glob("*.yaml")} - {"kustomization.yaml"}
        assert listed == present, overlay


def test_readme_documents_the_manifests() -> None:
    readme = (ROOT / "deploy" / "README.md").read_text()
    assert "```mermaid" in readme
    for needle in ("kubectl apply -k deploy/k8s/base", "kubectl apply -k deploy/k8s/kserve", "TRITON_URL",
                   "gpu-bridge-api-key"):
        assert needle in readme, needle

