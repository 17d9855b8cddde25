"""A Hugging Face hub stand-in on 127.0.0.1 holding repositories (folders) in the hub's layout, answering the calls
fetch-models makes as the hub does, and doing what the hub and real networks do around them:

- `GET /api/models/{org}/{name}/revision/{revision}?blobs=true`: the commit (`sha`) and each file (`siblings`) with its
  size and git blob id, and for large-file-storage files (ONNX, safetensors) an `lfs` object with the sha256;
- `GET /{org}/{name}/resolve/{revision}/{path}`: the file, `revision` being `main` or the commit; large files answer
  302 to a content-addressed path on a storage host of another origin (`{storage_url}/cdn/{sha256}`, a second server
  on another port), as the hub redirects to its Xet or LFS storage; `Range: bytes=N-`;
- small files and API answers gzip-encoded when the client accepts gzip, as the hub serves them; HTTP/1.1 with
  keep-alive, as the hub and its CDN speak it (an answer ended by closing the connection can crash undici when the
  reader applies back-pressure: nodejs/undici#5360, fixed in undici 8 alone);
- a token the hub does not know answers 401 with the hub's JSON error, on every call (public repositories included);
- faults on demand: the next requests to a path answer 429 with Retry-After or a 5xx (`fail_next`), the storage host
  refuses connections (`stop_storage`, a firewall that allows the hub alone), Range is ignored (`ignore_range`).
"""

from __future__ import annotations

import gzip
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
# what the hub answers a token it does not know (huggingface_hub shows the `error` field)
INVALID_TOKEN = {"error": "Invalid credentials in Authorization header"}


@dataclass
class HubFile:
    path: Path
    size: int
    sha256: str
    git_sha1: str

    @property
    def lfs(self) -> bool:
        return self.path.name.endswith(LFS_SUFFIXES)


@dataclass
class Seen:
    """One request as a server saw it."""

    server: str  # "hub" or "storage"
    path: str
    range: str | None
    authorization: str | None
    accept_encoding: str | None
    content_encoding: str | None = None  # what the answer was encoded with


@dataclass
class Fault:
    """The next request whose path starts with `prefix` answers `status` with `headers` (once)."""

    prefix: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def _describe(path: Path) -> HubFile:
    data = path.read_bytes()
    git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return HubFile(path, len(data), hashlib.sha256(data).hexdigest(), git)


@dataclass
class LoopbackHub:
    repos: dict[str, Path]
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header), both servers
    seen: list[Seen] = field(default_factory=list)
    corrupt: set[str] = field(default_factory=set)  # "{repo}/{path}" served with flipped bytes
    tokens: set[str] = field(default_factory=set)  # tokens the hub accepts; any other answers 401
    fail_next: list[Fault] = field(default_factory=list)
    ignore_range: bool = False
    url: str = ""
    storage_url: str = ""

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
            server_name = "hub"
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                hub.requests.append((path, self.headers.get("Range")))
                self.record = Seen(self.server_name, path, self.headers.get("Range"), self.headers.get("Authorization"),
                                   self.headers.get("Accept-Encoding"))
                hub.seen.append(self.record)
                if fault := next((f for f in hub.fail_next if path.startswith(f.prefix)), None):
                    hub.fail_next.remove(fault)
                    return self._json(fault.status, {"error": "stand-in fault"}, fault.headers)
                if self.server_name == "storage":
                    if (m := CDN.match(path)) and m["sha256"] in hub.cdn:
                        file = hub.cdn[m["sha256"]]
                        repo, name = next((r, n) for r, fs in hub.files.items() for n, f in fs.items() if f is file)
                        return self._send_file(file, f"{repo}/{name}")
                    return self._json(404, {"error": "Not found"})
                authorization = self.headers.get("Authorization")
                if authorization is not None and authorization.removeprefix("Bearer ") not in hub.tokens:
                    return self._json(401, INVALID_TOKEN)
                if m := API.match(path):
                    return self._api(m["repo"], m["revision"])
                if m := RESOLVE.match(path):
                    return self._resolve(m["repo"], m["revision"], m["path"])
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
                    self.send_header("Location", f"{hub.storage_url}/cdn/{file.sha256}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self._send_file(file, f"{repo}/{name}")

            def _send_file(self, file: HubFile, key: str) -> None:
                data = file.path.read_bytes()
                if key in hub.corrupt:
                    data = bytes(b ^ 1 for b in data)
                start = 0
                requested = None if hub.ignore_range else self.headers.get("Range")
                if m := re.fullmatch(r"bytes=(\d+)-", requested or ""):
                    start = int(m[1])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                elif not file.lfs and self._accepts_gzip():
                    data = self._gzip(data)
                    self.send_response(200)
                    self.send_header("Content-Encoding", "gzip")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

            def _accepts_gzip(self) -> bool:
                return "gzip" in (self.headers.get("Accept-Encoding") or "")

            def _gzip(self, data: bytes) -> bytes:
                self.record.content_encoding = "gzip"
                return gzip.compress(data)

            def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                compress = status == 200 and self._accepts_gzip()
                if compress:
                    data = self._gzip(data)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if compress:
                    self.send_header("Content-Encoding", "gzip")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class StorageHandler(Handler):
            server_name = "storage"

        self.server, self.url = _serve(Handler)
        self.storage, self.storage_url = _serve(StorageHandler)
        return self

    def stop_storage(self) -> None:
        """The storage host refuses connections from now on, as behind a firewall that allows the hub alone."""
        if self.storage is not None:
            self.storage.shutdown()
            self.storage.server_close()
            self.storage = None

    def stop(self) -> None:
        self.stop_storage()
        self.server.shutdown()
        self.server.server_close()


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
