"""A Hugging Face hub stand-in on 127.0.0.1 holding repositories (folders) in the hub's layout, answering the calls
fetch-models makes as the hub does:

- `GET /api/models/{org}/{name}/revision/{revision}?blobs=true`: the commit (`sha`) and each file (`siblings`) with its
  size and git blob id, and for large-file-storage files (ONNX, safetensors) an `lfs` object with the sha256;
- `GET /{org}/{name}/resolve/{revision}/{path}`: the file, `revision` being `main` or the commit; large files answer
  302 to a content-addressed CDN path (`/cdn/{sha256}`), as the hub redirects to its storage; `Range: bytes=N-`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".onnx", ".safetensors", ".bin", ".h5", ".msgpack")
API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/revision/(?P<revision>[^/]+)$")
RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<path>.+)$")
CDN = re.compile(r"^/cdn/(?P<sha256>[0-9a-f]{64})$")


@dataclass
class HubFile:
    path: Path
    size: int
    sha256: str
    git_sha1: str

    @property
    def lfs(self) -> bool:
        return self.path.name.endswith(LFS_SUFFIXES)


def _describe(path: Path) -> HubFile:
    data = path.read_bytes()
    git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return HubFile(path, len(data), hashlib.sha256(data).hexdigest(), git)


@dataclass
class LoopbackHub:
    repos: dict[str, Path]
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    corrupt: set[str] = field(default_factory=set)  # "{repo}/{path}" served with flipped bytes
    url: str = ""

    def __post_init__(self) -> None:
        self.files = {
            repo: {p.relative_to(root).as_posix(): _describe(p) for p in sorted(root.rglob("*")) if p.is_file()}
            for repo, root in self.repos.items()
        }
        # a commit id made from the content, as git's would change with it
        self.commits = {
            repo: hashlib.sha1(json.dumps({k: v.sha256 for k, v in files.items()}).encode()).hexdigest()
            for repo, files in self.files.items()
        }
        self.cdn = {f.sha256: f for files in self.files.values() for f in files.values() if f.lfs}

    def start(self) -> LoopbackHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                hub.requests.append((path, self.headers.get("Range")))
                if m := API.match(path):
                    return self._api(m["repo"], m["revision"])
                if m := RESOLVE.match(path):
                    return self._resolve(m["repo"], m["revision"], m["path"])
                if (m := CDN.match(path)) and m["sha256"] in hub.cdn:
                    file = hub.cdn[m["sha256"]]
                    repo, name = next((r, n) for r, fs in hub.files.items() for n, f in fs.items() if f is file)
                    return self._send_file(file, f"{repo}/{name}")
                self._json(404, {"error": "Repository Not Found"})

            def _known(self, repo: str, revision: str) -> bool:
                return repo in hub.files and revision in ("main", hub.commits[repo])

            def _api(self, repo: str, revision: str) -> None:
                if not self._known(repo, revision):
                    return self._json(404, {"error": "Repository not found"})
                siblings = []
                for name, f in hub.files[repo].items():
                    sibling = {"rfilename": name, "size": f.size, "blobId": f.git_sha1}
                    if f.lfs:
                        sibling["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": 134}
                    siblings.append(sibling)
                self._json(200, {"id": repo, "modelId": repo, "sha": hub.commits[repo], "siblings": siblings})

            def _resolve(self, repo: str, revision: str, name: str) -> None:
                file = hub.files.get(repo, {}).get(name) if self._known(repo, revision) else None
                if file is None:
                    return self._json(404, {"error": "Entry not found"})
                if file.lfs:
                    self.send_response(302)
                    self.send_header("Location", f"/cdn/{file.sha256}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self._send_file(file, f"{repo}/{name}")

            def _send_file(self, file: HubFile, key: str) -> None:
                data = file.path.read_bytes()
                if key in hub.corrupt:
                    data = bytes(b ^ 1 for b in data)
                start = 0
                if m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or ""):
                    start = int(m[1])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
