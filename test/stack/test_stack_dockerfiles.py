"""The Dockerfiles the stack builds: parsed with BuildKit's own parser (the `dockerfile` package), linted with
hadolint, and checked against their build contexts and .dockerignore files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import dockerfile
import pytest
from stack_helpers import ROOT, resolved_compose, tool

PROXY_DOCKERFILE = ROOT / "proxy" / "Dockerfile"
OURS = [PROXY_DOCKERFILE, ROOT / "deploy" / "openclaw" / "Dockerfile"]


def compose_dockerfiles() -> list[Path]:
    model = resolved_compose(profiles=("openclaw",))
    return sorted({Path(s["build"]["context"]) / s["build"]["dockerfile"] for s in model["services"].values()})


def stages(path: Path) -> list[list[dockerfile.Command]]:
    """Instructions grouped by build stage; the first group holds the global ARGs."""
    groups: list[list[dockerfile.Command]] = [[]]
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            groups.append([])
        groups[-1].append(command)
    return groups


def resolve_args(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def base_images(path: Path) -> list[str]:
    groups = stages(path)
    args = dict(c.value[0].split("=", 1) for c in groups[0] if c.cmd == "ARG" and "=" in c.value[0])
    names = {g[0].value[2].lower() for g in groups[1:] if len(g[0].value) >= 3}
    return [resolve_args(g[0].value[0], args) for g in groups[1:] if g[0].value[0].lower() not in names]


@pytest.mark.parametrize("path", compose_dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_parses_and_pins_its_base_images(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} does not exist")
    images = base_images(path)
    assert images, "no FROM"
    for image in images:
        assert "$" not in image, f"unresolved base image {image}"
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "/" not in tag, f"base image {image} is not pinned to a tag"


@pytest.mark.parametrize("path", OURS, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_finds_nothing(path: Path) -> None:
    result = subprocess.run([tool("hadolint"), "--no-color", str(path)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM node:latest\nRUN cd /app && npm install\n")
    result = subprocess.run([tool("hadolint"), "--no-color", str(bad)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest


def final_stage(path: Path) -> list[dockerfile.Command]:
    return stages(path)[-1]


@pytest.mark.parametrize("path", OURS, ids=lambda p: str(p.relative_to(ROOT)))
def test_final_stage_runs_as_a_numeric_non_root_user(path: Path) -> None:
    users = [c.value[0] for c in final_stage(path) if c.cmd == "USER"]
    assert users, "the final stage never sets USER, so it runs as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: not a numeric non-root uid"


def test_proxy_image_is_multi_stage_and_skips_the_onnxruntime_install_script() -> None:
    groups = stages(PROXY_DOCKERFILE)
    assert len(groups) - 1 >= 2


@pytest.mark.parametrize("path", OURS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_install_skips_the_onnxruntime_install_script(path: Path) -> None:
    """The images' npm 10 reads ONNXRUNTIME_NODE_INSTALL (npm 11 also package.json's allowScripts); .npmrc holds no
    key npm does not know (npm 11 warns of one on every command)."""
    assert "onnxruntime-node" not in (ROOT / ".npmrc").read_text()
    assert json.loads((ROOT / "package.json").read_text())["allowScripts"]["onnxruntime-node"] is False
    installs = [c.value[0] for group in stages(path)[1:] for c in group
                if c.cmd == "RUN" and re.search(r"\bnpm ci\b", c.value[0])]
    assert installs, f"{path} runs no npm ci"
    for command in installs:
        assert "ONNXRUNTIME_NODE_INSTALL=skip npm ci" in command, command


def test_proxy_image_starts_what_its_build_stage_builds() -> None:
    """The build stage runs the proxy's build script; the runtime stage copies its output and CMD starts it (the
    healthcheck suite builds and starts it for real, from only what the build stage copies)."""
    commands = [c for g in stages(PROXY_DOCKERFILE)[1:] for c in g]
    assert any(c.cmd == "RUN" and c.value[0] == "npm run build -w @gpu-bridge/proxy" for c in commands)
    assert json.loads((ROOT / "proxy" / "package.json").read_text())["scripts"]["build"]
    cmd = [c for c in final_stage(PROXY_DOCKERFILE) if c.cmd == "CMD"][-1]
    bundle = cmd.value[-1]
    copied = [c.value for c in final_stage(PROXY_DOCKERFILE) if c.cmd == "COPY" and "--from=build" in c.flags]
    assert any(bundle.startswith(dest.rstrip("/") + "/") for *_, dest in copied), f"{bundle} is not copied"


def dockerignore_patterns(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Go filepath.Match semantics plus `**`, as Docker uses them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories decides."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = glob_regex(pattern.lstrip("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            verdict = not negate
    return verdict


def test_dockerignore_matcher_follows_docker_rules() -> None:
    patterns = ["*", "!proxy/src", "**/*.test.ts"]
    assert ignored("README.md", patterns)
    assert not ignored("proxy/src/node/main.ts", patterns)
    assert ignored("proxy/src/app/config.test.ts", patterns)
    assert ignored("proxy/package.json", patterns)


def test_proxy_context_holds_what_the_dockerfile_copies() -> None:
    patterns = dockerignore_patterns(ROOT / "proxy" / "Dockerfile.dockerignore")
    sources = [
        src
        for c in dockerfile.parse_file(str(PROXY_DOCKERFILE))
        if c.cmd == "COPY" and not any(f.startswith("--from") for f in c.flags)
        for src in c.value[:-1]
    ]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
        assert not ignored(src, patterns), f"COPY {src}: excluded by proxy/Dockerfile.dockerignore"
    for secret_or_bulk in (".env", "node_modules/hono/package.json", ".venv/bin/python", "proxy/src/x.test.ts"):
        assert ignored(secret_or_bulk, patterns), f"{secret_or_bulk} would be sent to the proxy build"


def test_root_dockerignore_keeps_weights_and_secrets_out() -> None:
    patterns = dockerignore_patterns(ROOT / ".dockerignore")
    for path in (".env", ".git/config", "node_modules/x", "proxy/node_modules/x", ".venv/bin/python",
                 "triton-models/roberta-large/1/model.onnx", "triton-models/roberta-large/1/tokenizer.json"):
        assert ignored(path, patterns), f"{path} would be sent to every build"
    for path in ("triton-models/embed/1/model.py", "triton-models/embed/config.pbtxt", "export-scripts/pyproject.toml",
                 "proxy/src/node/main.ts"):
        assert not ignored(path, patterns), f"{path} is excluded from the build context"


def npm_install_steps(path: Path) -> list[tuple[list[str], str]]:
    """Per stage: the files COPYed from the context before its first `npm install`, and that npm command."""
    steps = []
    for group in stages(path)[1:]:
        copied: list[str] = []
        for command in group:
            if command.cmd == "COPY" and not command.flags:
                copied += [src for src in command.value[:-1] if src.endswith((".json", ".npmrc"))]
            if command.cmd == "RUN" and (found := re.search(r"\bnpm (?:ci|install) (?!-g)[^&]*", command.value[0])):
                steps.append((copied, found.group(0).strip()))
                break
    return steps


@pytest.mark.parametrize("path", OURS, ids=lambda p: str(p.relative_to(ROOT)))
def test_npm_install_steps_resolve_from_the_copied_files(path: Path, tmp_path: Path) -> None:
    """npm resolves each stage's install (workspaces, lock file, flags) from just what the stage copied."""
    steps = npm_install_steps(path)
    assert steps
    for n, (copied, command) in enumerate(steps):
        context = tmp_path / str(n)
        for src in copied:
            (context / src).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / src, context / src)
        assert {"package.json", "package-lock.json", ".npmrc"} <= set(copied), f"{command}: lock or .npmrc missing"
        result = subprocess.run([*command.split(), "--dry-run", "--prefer-offline"], check=False, capture_output=True,
                                text=True, timeout=180, cwd=context)
        assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        assert re.search(r"added \d+ packages", result.stdout), result.stdout[-500:]


def test_every_install_script_in_the_lockfile_is_reviewed_in_allow_scripts() -> None:
    """npm 11 warns on every install of a dependency whose install script package.json's allowScripts does not name."""
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    with_scripts = {path.rsplit("node_modules/", 1)[-1] for path, entry in lock.items() if entry.get("hasInstallScript")}
    assert with_scripts, "the lockfile records no install scripts: hasInstallScript is no longer what npm writes"
    assert with_scripts <= set(json.loads((ROOT / "package.json").read_text())["allowScripts"]), with_scripts
