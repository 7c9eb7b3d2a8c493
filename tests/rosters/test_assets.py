"""Static files: compressed when asked, a year in the cache under hashed names only, and pages never cached."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
from pathlib import Path

import brotli
import pytest

from rosters import assets
from tests.plugin import text
from tests.world import World, signed_in

HASHED = re.compile(r"^/assets/(?:[\w.-]+/)*[\w.-]+\.[0-9a-f]{12}\.\w+$")
ASSET_REFERENCE = re.compile(r"""(?:src|href)="(/assets/[^"]*)\"""")
YEAR = "max-age=31536000"
FILES = ["govuk-frontend.min.css", "govuk-frontend.min.js", "app.css", "app.js", "charts.js", "vendor/plotly.min.js"]


def hashed_url(app, filename: str) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("static", filename=filename)


@pytest.mark.parametrize("filename", FILES)
@pytest.mark.parametrize(("encoding", "unpack"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_files_come_compressed_when_the_browser_asks(app, client, filename, encoding, unpack):
    url = hashed_url(app, filename)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert packed.headers["Vary"] == "Accept-Encoding" and plain.headers["Vary"] == "Accept-Encoding"
    assert len(packed.data) < len(plain.data) * (0.5 if len(plain.data) > 10_000 else 0.95)
    assert unpack(packed.data) == plain.data
    assert packed.headers["Content-Type"].startswith("text/")


def test_plotly_is_the_installed_packages_own(app, client):
    from reports.views import PLOTLY_JS

    body = client.get(hashed_url(app, "vendor/plotly.min.js"), headers={"Accept-Encoding": "br"})
    assert brotli.decompress(body.data) == PLOTLY_JS.read_bytes()


@pytest.mark.parametrize("filename", [*FILES, "fonts/bold-b542beb274-v2.woff2", "images/favicon.ico", "manifest.json"])
def test_hashed_names_are_immutable_for_a_year_and_plain_names_are_checked_each_time(app, client, filename):
    versioned = client.get(hashed_url(app, filename))
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == f"{YEAR}, public, immutable"
    plain = client.get(f"/assets/{filename}")
    assert plain.status_code == 200 and plain.data == versioned.data
    assert plain.headers["Cache-Control"] == "max-age=0, public"
    again = client.get(f"/assets/{filename}", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_an_old_hashed_name_is_not_found_and_not_kept(app, client):
    current = hashed_url(app, "app.css")
    stale = re.sub(r"\.[0-9a-f]{12}\.", ".0123456789ab.", current)
    assert stale != current
    response = client.get(stale)
    assert response.status_code == 404
    assert YEAR not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_name(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "site.css").write_text("body { color: black }")
    first = assets.build("site", {"site.css": source / "site.css"}, tmp_path / "cache", "/assets")
    (source / "site.css").write_text("body { color: navy }")
    second = assets.build("site", {"site.css": source / "site.css"}, tmp_path / "cache", "/assets")
    assert first.names["site.css"] != second.names["site.css"]
    assert (second.root / second.names["site.css"]).read_text() == "body { color: navy }"
    assert not (second.root / first.names["site.css"]).exists()


def test_in_development_an_edited_file_is_served_without_a_restart(tmp_path):
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "site.css").write_text("body { color: black }")
    files = assets.StaticFiles(Response("a page"), "/assets", tmp_path / "cache", refresh=True)
    files.add_build("static", lambda: {path.name: path for path in folder.iterdir()})
    client = Client(files)
    before = files.hashed["site.css"]
    assert client.get(f"/assets/{before}").text == "body { color: black }"
    (folder / "site.css").write_text("body { color: navy }")
    (folder / "extra.css").write_text("p { margin: 0 }")
    assert client.get("/assets/site.css").text == "body { color: navy }"
    assert files.hashed["site.css"] != before and client.get(f"/assets/{files.hashed['site.css']}").status_code == 200
    assert client.get("/assets/extra.css").status_code == 200
    assert client.get(f"/assets/{before}").text == "a page"  # no longer a file: on to the app, which says 404


def test_references_between_files_point_at_hashed_names():
    contents = {
        "site.css": b"@font-face{src:url(/assets/fonts/a.woff2) format('woff2')} .x{background:url('img/b.svg#top')}"
                    b" .y{background:url(data:image/png;base64,AAAA)} .z{background:url(https://example.org/c.png)}",
        "fonts/a.woff2": b"font",
        "img/b.svg": b"<svg/>",
        "main.js": b"import { go } from './lib.js'\nimport('./lib.js')\nimport x from 'package'",
        "lib.js": b"export const go = 1",
        "manifest.json": b'{"icons": [{"src": "img/b.svg"}]}',
    }
    built = assets.hashed_contents(contents, "/assets")
    names = {name: hashed for name, (hashed, _) in built.items()}
    css = built["site.css"][1].decode()
    assert f"url(/assets/{names['fonts/a.woff2']})" in css
    assert f"url('./{names['img/b.svg']}#top')" in css
    assert "url(data:image/png;base64,AAAA)" in css and "url(https://example.org/c.png)" in css
    js = built["main.js"][1].decode()
    assert js.count(f"'./{names['lib.js']}'") == 2 and "from 'package'" in js
    assert f'"src": "./{names["img/b.svg"]}"' in built["manifest.json"][1].decode()
    # The hash covers what a file loads: a changed font renames the stylesheet too.
    changed = assets.hashed_contents({**contents, "fonts/a.woff2": b"font 2"}, "/assets")
    assert changed["site.css"][0] != built["site.css"][0]
    assert changed["main.js"][0] == built["main.js"][0]


def test_the_govuk_stylesheet_loads_its_fonts_and_images_by_hashed_names(app, client):
    css = text(client.get(hashed_url(app, "govuk-frontend.min.css")))
    references = re.findall(r"url\(([^)]+)\)", css)
    assert len(references) >= 5
    for reference in references:
        assert HASHED.match(reference), reference
        response = client.get(reference)
        assert response.status_code == 200 and YEAR in response.headers["Cache-Control"], reference


def test_our_module_imports_govuk_frontend_by_the_name_the_page_loads(app, client):
    script = text(client.get(hashed_url(app, "app.js")))
    module = hashed_url(app, "govuk-frontend.min.js").removeprefix("/assets/")
    assert f"from './{module}'" in script


PAGES = [("anonymous", "/sign-in"), ("anonymous", "/about"), ("anonymous", "/no-such-page"), ("member", "/"),
         ("lead", "/"), ("lead", "/dashboard"), ("lead", "/dashboard/report"), ("lead", "/import")]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_every_asset_in_a_page_has_a_hashed_name_and_the_page_is_never_kept(app, world: World, role, path):
    client = signed_in(app, world, role)
    page = client.get(path)
    assert page.headers["Cache-Control"] == "no-store"
    urls = ASSET_REFERENCE.findall(text(page))
    assert len(urls) >= 9  # two stylesheets, two scripts, five icons and the manifest (less what a 404 lacks)
    for url in urls:
        assert HASHED.match(url), url
        response = client.get(url)
        assert response.status_code == 200 and YEAR in response.headers["Cache-Control"], url
    if path.startswith("/dashboard"):
        assert any("/assets/vendor/plotly.min." in url for url in urls)


def test_files_carry_the_security_headers(app, client):
    response = client.get(hashed_url(app, "app.js"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers
    assert "Set-Cookie" not in response.headers
    over_https = client.get(hashed_url(app, "app.js"), base_url="https://localhost")
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_trusted_proxy_saying_https_gets_hsts_on_files(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    response = app.test_client().get(hashed_url(app, "app.css"), headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _build_in_another_process(cache: str, source: str, queue) -> None:
    built = assets.build("static", {p.name: p for p in sorted(Path(source).iterdir())}, Path(cache), "/assets")
    queue.put((str(built.root), built.names))


def test_workers_starting_together_share_one_whole_build(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for number in range(20):
        (source / f"file{number}.css").write_text(f".rule{number} {{ color: red }}\n" * 2000)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_build_in_another_process, args=(str(tmp_path / "cache"), str(source), queue))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert len({root for root, _ in results}) == 1 and all(names == results[0][1] for _, names in results)
    root = Path(results[0][0])
    for name, hashed in results[0][1].items():
        assert (root / hashed).read_bytes() == (source / name).read_bytes()
        assert gzip.decompress((root / (hashed + ".gz")).read_bytes()) == (source / name).read_bytes()
    assert [entry.name for entry in (tmp_path / "cache" / "static").iterdir()] == [root.parent.name]


def test_old_builds_and_half_made_ones_are_cleared(tmp_path):
    source = tmp_path / "site.css"
    dead = tmp_path / "cache" / "site" / ".build-999999999-abc"  # no process has such a number
    dead.mkdir(parents=True)
    roots = []
    for number, colour in enumerate(("red", "green", "blue", "navy", "teal"), start=1):
        source.write_text(f"body {{ color: {colour} }}")
        roots.append(assets.build("site", {"site.css": source}, tmp_path / "cache", "/assets").root.parent)
        os.utime(roots[-1], ns=(number * 10**9, number * 10**9))  # builds minutes apart, not milliseconds
    kept = sorted(entry.name for entry in (tmp_path / "cache" / "site").iterdir())
    assert kept == sorted(root.name for root in roots[-assets.KEEP_BUILDS:])

