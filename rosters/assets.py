"""Static files (GOV.UK Frontend, our CSS and JS, plotly.js): compressed, and cached for a year under names
that carry a hash of their content.

Each source (the ``static/`` folder, or one file such as plotly.js) is built once per content into
``instance/static-build/<label>/<key>/``: every file under its own name and under a hashed name
(``app.3f9c2a1b7d04.css``), with brotli and gzip copies where they save space. References between files
(the GOV.UK CSS's fonts and images, module imports, the web manifest's icons) are pointed at hashed names
first, so a file's hash covers what it loads. A build is made in a private folder and renamed into place,
so workers starting together never see half of one.

WhiteNoise serves the built folders at ``/assets``: hashed names as immutable for a year, plain names
revalidated on every use, so a changed file reaches everyone at once. ``url_for('static', filename=...)``
gives the hashed name; an old hashed name is simply not found.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, request, url_for
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from rosters.web import HSTS, STATIC_FILE_HEADERS

BUILD_FORMAT = b"1"  # change when the way files are built changes, so every source is built afresh
YEAR = 365 * 24 * 60 * 60
HASH_LENGTH = 12
KEEP_BUILDS = 3  # per source: the newest and two before it, for workers still running an older release
# Brotli's best setting takes about 13 s on plotly.js (4.8 MB), too long for a worker starting up; its
# setting 9 takes 0.3 s for a file 11% larger. Smaller files get the best one.
LARGE_FILE = 1024 * 1024
NOT_WORTH_COMPRESSING = Compressor.get_extension_re(Compressor.SKIP_COMPRESS_EXTENSIONS)

# Where one file names another: url(...) and @import in CSS, module specifiers in JavaScript, "src" in a
# web manifest. Only a reference that resolves to a file of the same source is rewritten.
REFERENCES = {
    ".css": re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])(?P<ref>[^'"()\s]+)"""),
    ".js": re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*['"](?P<ref>\.{0,2}/[^'"\s]+)"""),
    ".mjs": re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*['"](?P<ref>\.{0,2}/[^'"\s]+)"""),
    ".json": re.compile(r'"src"\s*:\s*"(?P<ref>[^"]+)'),
}


@dataclass(frozen=True)
class Build:
    root: Path  # the folder to serve
    names: dict[str, str]  # each file's own name -> its hashed name, both relative to the prefix


_built: dict[tuple, Build] = {}  # per process: a worker's second app (tests make many) reads no file


def build(label: str, sources: dict[str, Path], cache: Path, prefix: str) -> Build:
    """The build of ``sources`` (name under ``prefix`` -> file), made now unless one of the same content exists."""
    stats = tuple(sorted((name, str(path), status.st_size, status.st_mtime_ns)
                         for name, path in sources.items() for status in [path.stat()]))
    seen = _built.get((label, str(cache), prefix, stats))
    if seen is not None and seen.root.is_dir():
        return seen
    contents = {name: path.read_bytes() for name, path in sources.items()}
    key = hashlib.sha256(BUILD_FORMAT + prefix.encode())
    for name in sorted(contents):
        key.update(name.encode() + b"\0" + hashlib.sha256(contents[name]).digest())
    folder = cache / label / key.hexdigest()[:20]
    if not folder.is_dir():
        _make(folder, contents, prefix)
    os.utime(folder)  # the builds kept are the ones used last
    _prune(folder.parent, keep=folder)
    made = Build(folder / "files", json.loads((folder / "names.json").read_text()))
    _built[(label, str(cache), prefix, stats)] = made
    return made


def hashed_contents(contents: dict[str, bytes], prefix: str) -> dict[str, tuple[str, bytes]]:
    """Each file's hashed name and content, its references to other files pointed at their hashed names."""
    done: dict[str, tuple[str, bytes]] = {}
    visiting: set[str] = set()

    def visit(name: str) -> str:
        if name not in done:
            if name in visiting:
                raise RuntimeError(f"static file {name} refers back to itself through other files")
            visiting.add(name)
            data = contents[name]
            pattern = REFERENCES.get(posixpath.splitext(name)[1])
            if pattern is not None:
                with contextlib.suppress(UnicodeDecodeError):
                    data = _rewrite(data.decode(), pattern, lambda ref: _point(ref, name, prefix, contents, visit))
            stem, extension = posixpath.splitext(name)
            done[name] = (f"{stem}.{hashlib.sha256(data).hexdigest()[:HASH_LENGTH]}{extension}", data)
            visiting.discard(name)
        return done[name][0]

    for name in contents:
        visit(name)
    return done


def _rewrite(text: str, pattern: re.Pattern, point: Callable[[str], str | None]) -> bytes:
    parts, last = [], 0
    for match in pattern.finditer(text):
        new = point(match["ref"])
        if new is not None:
            parts += [text[last:match.start("ref")], new]
            last = match.end("ref")
    parts.append(text[last:])
    return "".join(parts).encode()


def _point(ref: str, name: str, prefix: str, contents: dict[str, bytes], visit: Callable[[str], str]) -> str | None:
    """``ref``, written in file ``name``, pointed at the hashed name of the file it means; None if not one of ours."""
    path, tail = re.match(r"([^?#]*)(.*)", ref, re.S).groups()
    if path.startswith(prefix + "/"):
        target = path[len(prefix) + 1:]
        return f"{prefix}/{visit(target)}{tail}" if target in contents else None
    if not path or path.startswith("/") or ":" in path:
        return None  # another site, another part of this one, or data: and the like
    folder = posixpath.dirname(name)
    target = posixpath.normpath(posixpath.join(folder, path))
    if target not in contents:
        return None
    relative = posixpath.relpath(visit(target), folder or ".")
    return (relative if relative.startswith("../") else "./" + relative) + tail


def _make(folder: Path, contents: dict[str, bytes], prefix: str) -> None:
    """Write the build in a private folder, then rename it into place in one step."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=folder.parent))
    try:
        names = {}
        for name, (hashed, data) in hashed_contents(contents, prefix).items():
            plain = work / "files" / name
            plain.parent.mkdir(parents=True, exist_ok=True)
            plain.write_bytes(data)
            for made in [plain, *_compress(plain, data)]:
                _link(made, work / "files" / (hashed + made.name[len(plain.name):]))
            names[name] = hashed
        (work / "names.json").write_text(json.dumps(names, indent=1, sort_keys=True))
        work.chmod(0o755)
        try:
            work.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
            shutil.rmtree(work, ignore_errors=True)  # another worker finished the same build first
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _compress(path: Path, data: bytes) -> list[Path]:
    """Brotli and gzip copies beside ``path`` (``.br``, ``.gz``), each only if it saves at least 5%."""
    if not data or NOT_WORTH_COMPRESSING.search(path.name):
        return []
    made = []
    quality = 11 if len(data) < LARGE_FILE else 9
    packed = {".br": brotli.compress(data, quality=quality), ".gz": gzip.compress(data, compresslevel=9, mtime=0)}
    for suffix, smaller in packed.items():
        if len(smaller) <= 0.95 * len(data):
            copy = path.with_name(path.name + suffix)
            copy.write_bytes(smaller)
            made.append(copy)
    return made


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _prune(home: Path, keep: Path) -> None:
    """Remove all but the newest builds of one source, and builds left half made by a process that died."""
    builds = []
    for entry in home.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another worker may be pruning too
            if entry.name.startswith(".build-"):
                if not _alive(int(entry.name.split("-")[1])):
                    shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir():
                builds.append((entry.stat().st_mtime_ns, entry))
    for _, old in sorted(builds, reverse=True)[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StaticFiles(WhiteNoise):
    """WhiteNoise over our builds: a year (not its ten) for hashed names, and the headers pages get."""

    FOREVER = YEAR

    def __init__(self, application, prefix: str, cache: Path, refresh: bool = False):
        # max_age=0: a plain name is checked with the server (If-None-Match) on every use.
        super().__init__(application, max_age=0, allow_all_origins=False, add_headers_function=_file_headers)
        self.prefix, self.cache, self.refresh = prefix, cache, refresh
        self.hashed: dict[str, str] = {}
        self.immutable: set[str] = set()
        self.sources: dict[str, Callable[[], dict[str, Path]]] = {}
        self.builds: dict[str, Build] = {}
        self.rebuilding = threading.Lock()

    def add_build(self, label: str, sources: Callable[[], dict[str, Path]]) -> None:
        """Build and serve what ``sources()`` lists (name -> file); with ``refresh``, again whenever it changes."""
        self.sources[label] = sources
        built = build(label, sources(), self.cache, self.prefix)
        previous = self.builds.get(label)
        if previous is not None:
            if previous.root == built.root:
                return
            for name, hashed in previous.names.items():  # an old name is not found, as after a restart
                self.hashed.pop(name, None)
                self.files.pop(f"{self.prefix}/{name}", None)
                self.files.pop(f"{self.prefix}/{hashed}", None)
        self.builds[label] = built
        self.hashed.update(built.names)
        self.immutable.update(f"{self.prefix}/{hashed}" for hashed in built.names.values())
        self.add_files(str(built.root), prefix=self.prefix)

    def rebuild_changed(self) -> None:
        """For development (``flask run --debug``): an edited file is built again before the next page or file
        is served, as if the app had restarted (an old hashed name is then not found)."""
        with self.rebuilding:  # the development server answers requests in threads
            for label, sources in self.sources.items():
                self.add_build(label, sources)

    def __call__(self, environ, start_response):
        if self.refresh and environ.get("PATH_INFO", "").startswith(self.prefix + "/"):
            self.rebuild_changed()
        return super().__call__(environ, start_response)

    def immutable_file_test(self, path: str, url: str) -> bool:
        return url in self.immutable

    def serve(self, static_file, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":  # set by ProxyFix from TRUSTED_PROXIES, which wraps this
            return super().serve(static_file, environ, start_response)

        def start_with_hsts(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Strict-Transport-Security", HSTS)], exc_info)

        return super().serve(static_file, environ, start_with_hsts)


def _file_headers(headers, path: str, url: str) -> None:
    for name, value in STATIC_FILE_HEADERS.items():
        headers[name] = value


def register_static_files(app: Flask) -> None:
    """Serve ``static/`` at the static URL path through WhiteNoise, and make ``url_for('static', ...)`` give
    hashed names. Must run before ``register_security_headers``, whose ProxyFix has to wrap this."""
    folder = Path(app.static_folder)

    def static_folder() -> dict[str, Path]:
        return {
            path.relative_to(folder).as_posix(): path
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        }

    cache = Path(app.instance_path) / "static-build"
    files = StaticFiles(app.wsgi_app, prefix=app.static_url_path, cache=cache, refresh=app.debug)
    files.add_build("static", static_folder)
    app.wsgi_app = files  # type: ignore[method-assign]
    app.extensions["static_files"] = files
    if app.debug:
        app.before_request(files.rebuild_changed)  # pages name the files as they are now

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.hashed.get(values["filename"], values["filename"])

    named: dict[tuple[str, str], str] = {}

    @app.template_global()
    def asset_url(filename: str) -> str:
        """``url_for('static', filename=...)``, worked out once per name: every page names the same files.
        In development a file's hashed name changes as it is edited, so it is worked out every time."""
        key = (request.script_root, filename)
        url = named.get(key)
        if url is None:
            url = url_for("static", filename=filename)
            if not files.refresh:
                named[key] = url
        return url


def add_static_file(app: Flask, name: str, source: Path) -> None:
    """Serve ``source`` (say, a file an installed package ships) at ``<static URL path>/<name>``, as ours are."""
    app.extensions["static_files"].add_build(name.replace("/", "-"), lambda: {name: source})
