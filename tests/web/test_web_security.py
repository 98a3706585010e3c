"""The web app is safe by default (issue 19, point 4), asked as an attacker would ask it, over HTTP.

Every test drives ``create_app`` through Starlette's TestClient on a private project root (the real
templates, two example clusters, a fake packet of each in ``outputs/``): no LibreOffice, no browser.
Refusals are asserted by their status and their stable ``code``, never by their wording; that nothing
else changed is asserted by comparing the file tree before and after.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastyaml
import pytest
from conftest import ROOT, paths_of
from starlette.routing import Mount

from pipeline.stages.programmes import load_programme
from pipeline.web import auth
from pipeline.web.app import COOKIE, create_app
from pipeline.web.form import cells_of, form_of

with warnings.catch_warnings():  # starlette would rather have httpx2; httpx is what the project has
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

A, PA, CITY_A = "qinglan-agrimachinery", "tese-apply", "370700"
B, PB, CITY_B = "lanwan-ai", "digital-apply", "370200"
BASE = "http://127.0.0.1:8000"
PASSWORD = "correct-horse-battery"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PUBLIC = ("/login", "/favicon.ico")
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*191 }}", "{% if 1 %}JINJA{% endif %}")


# --- the project, the app, a browser ----------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project root: templates, clusters A and B, a built-looking packet of each, an account per role."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    for cluster in (A, B):
        shutil.copytree(ROOT / "inputs" / cluster, tmp_path / "inputs" / cluster)
    for cluster, programme in ((A, PA), (B, PB)):
        folder = tmp_path / "outputs" / programme / cluster
        folder.mkdir(parents=True)
        manifest = {"packet": {"file": f"{cluster}.pdf", "pages": 1}, "checks": {"draft": False}}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        (folder / f"{cluster}.pdf").write_bytes(PDF + f"SECRET-{cluster}".encode())
        (folder / f"{cluster}.docx").write_bytes(b"PK\x03\x04" + f"SECRET-{cluster}".encode())
    (tmp_path / "inputs" / auth.ACCOUNTS).write_text(_accounts(), encoding="utf-8")
    return tmp_path


@functools.cache
def _accounts() -> str:
    """web-accounts.yaml with an operator of A, one of B and the clerk of B's city.

    Hashed once, at a lower scrypt cost (n = 2**10): a hash carries its cost and is checked at it, so
    every login of these tests takes ≈ 3 ms instead of ≈ 46 (the real cost is asserted on add_user below).
    """
    folder = Path(tempfile.mkdtemp(prefix="clusterpack-accounts-"))
    cost = dict(auth._SCRYPT)
    try:
        auth._SCRYPT["n"] = 2**10
        auth.add_user(folder, "op-a", PASSWORD, clusters=(A,))
        auth.add_user(folder, "op-b", PASSWORD, clusters=(B,))
        auth.add_user(folder, "clerk-b", PASSWORD, city=CITY_B)
    finally:
        auth._SCRYPT.update(cost)
    text = (folder / auth.ACCOUNTS).read_text(encoding="utf-8")
    shutil.rmtree(folder)
    return text


def client(site: Path, host: str = "0.0.0.0") -> TestClient:
    return TestClient(create_app(paths_of(site), host=host), base_url=BASE, follow_redirects=False)


def token_of(c: TestClient, page: str = "/") -> str:
    """The session's CSRF token, as a page carries it for its script."""
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', c.get(page).text)
    assert found is not None
    return found.group(1)


def log_in(c: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form; the new session's CSRF token."""
    answer = c.post("/login", data={"name": name, "password": password, "csrf": token_of(c, "/login")})
    assert (answer.status_code, answer.headers.get("location")) == (303, "/")
    return token_of(c)


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a digest of its content."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


def code_of(answer: Any) -> str:
    return str(answer.json()["code"])


def secrets_of(site: Path, cluster: str) -> list[str]:
    """What only a reader of ``cluster`` can know: its packet's marker, its name and its applicant's credit code."""
    data = fastyaml.safe_load((site / "inputs" / cluster / "cluster.yaml").read_text(encoding="utf-8"))
    return [f"SECRET-{cluster}", data["cluster"]["name"], data["applicant"]["credit_code"]]


def fill(path: str, **values: str) -> str:
    """A route's path with its parameters filled in (``x`` for one not given)."""
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values.get(m.group(1), "x"), path)


def requests_of(c: TestClient, skip: str = "", **values: str) -> list[tuple[str, str]]:
    """(method, path) of every route of the app but the public ones and logout (and those naming ``{skip}``)."""
    out = []
    for route in c.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount) or route.path in (*PUBLIC, "/logout") or (skip and f"{{{skip}" in route.path):
            continue
        out += [(m, fill(route.path, **values)) for m in sorted(route.methods - {"HEAD"})]
    return out


def send(c: TestClient, method: str, path: str, token: str = "", **extra: Any) -> Any:
    """A request as the page makes it: uploads as multipart, the rest as JSON, with the CSRF token when given."""
    headers = {"X-CSRF-Token": token} if token else {}
    if method == "GET":
        return c.get(path, headers=headers)
    if path.endswith(("/proof", "/signed")):
        files = {"file": ("x.pdf", PDF, "application/pdf")}
        return c.post(path, headers=headers, files=files, data={"document": extra.get("document", "x")})
    body = {"cells": extra.get("cells", {}), "programme": extra.get("programme", ""), "cluster": B}
    return c.post(path, headers=headers, json=body)


def raw_upload(c: TestClient, path: str, name: bytes, data: bytes, token: str) -> Any:
    """A multipart upload whose file name is sent byte for byte (httpx would percent-escape control characters)."""
    head = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
    body = head + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--b0undary--\r\n"
    headers = {"X-CSRF-Token": token, "Content-Type": "multipart/form-data; boundary=b0undary"}
    return c.post(path, content=body, headers=headers)


# --- bound elsewhere than loopback: login first ------------------------------------------------------------------


def test_without_a_session_every_route_but_login_and_static_is_closed(site: Path) -> None:
    c = client(site)
    before = tree(site)
    for method, path in requests_of(c, cluster=A, programme=PA, name=f"{A}.pdf", which="all", page="1", city=CITY_A):
        answer = send(c, method, path)
        if path.startswith("/api/") or method != "GET":
            assert (answer.status_code, code_of(answer)) == (401, "E-WEB-LOGIN"), (method, path)
        else:
            assert (answer.status_code, answer.headers["location"]) == (303, "/login"), (method, path)
        assert not any(s in answer.text for s in secrets_of(site, A)), (method, path)
    assert c.post("/logout").status_code == 401
    assert c.get("/login").status_code == 200
    assert c.get("/static/app.css").status_code == 200
    for escape in ("/static/..%2Fapp.py", "/static/%2e%2e/auth.py", "/static/..%5Capp.py"):
        assert c.get(escape).status_code == 404, escape  # the static folder holds only itself
    assert tree(site) == before


def test_an_operator_can_reach_nothing_of_another_cluster(site: Path) -> None:
    c = client(site)
    token = log_in(c, "op-a")
    assert c.get(f"/c/{A}/out/{PA}/{A}.pdf").status_code == 200  # their own: the refusals below are not a blind app
    before, secrets = tree(site), secrets_of(site, B)
    values = {"cluster": B, "programme": PB, "name": f"{B}.pdf", "which": "all", "page": "1", "city": CITY_B}
    values["code"] = CITY_B  # the clerk's pages: an operator sees no city
    names = [f"{B}.pdf", f"{B}.docx", "manifest.json"]
    extra = [("GET", f"/c/{B}/out/{PB}/{n}") for n in names] + [("GET", f"/c/{B}/zip/{PB}/word")]
    extra += [("GET", f"/c/{B}/thumb/{PB}/{B}.pdf/1"), ("GET", f"/c/{B}?programme={PB}")]
    for method, path in requests_of(c, **values) + extra:
        answer = send(c, method, path, token, programme=PB, document="declaration")
        assert not any(s in answer.text for s in secrets), (method, path)
        if path in ("/", "/api/new"):
            assert answer.status_code == (200 if path == "/" else 403), (method, path)
        elif answer.status_code == 303:  # the cluster page sends the user home
            assert answer.headers["location"] == "/", (method, path)
        else:
            assert answer.status_code in (403, 404), (method, path)
            assert code_of(answer) in ("E-WEB-FORBIDDEN", "E-WEB-NO-CLUSTER", "E-WEB-NO-FILE", "E-WEB-NO-CITY"), (
                method,
                path,
            )
    assert tree(site) == before


def test_a_clerk_sees_only_the_clusters_of_their_city(site: Path) -> None:
    c = client(site)
    token = log_in(c, "clerk-b")
    assert c.get(f"/c/{B}").status_code == 200
    home = c.get("/")
    assert f'data-cluster="{B}"' in home.text and f'data-cluster="{A}"' not in home.text
    before, secrets = tree(site), secrets_of(site, A)
    values = {"cluster": A, "programme": PA, "name": f"{A}.pdf", "which": "all", "page": "1"}
    for method, path in requests_of(c, skip="city", **values):  # their own city's pages are theirs
        answer = send(c, method, path, token, programme=PA)
        assert not any(s in answer.text for s in secrets), (method, path)
        if path not in ("/", "/api/new") and answer.status_code != 303:
            assert answer.status_code in (403, 404), (method, path)
    # a clerk reads their city's clusters but changes none of them
    for path in (f"/api/c/{B}/save", f"/api/c/{B}/proof", f"/api/c/{B}/signed", f"/api/c/{B}/build"):
        answer = send(c, "POST", path, token, programme=PB)
        assert (answer.status_code, code_of(answer)) == (403, "E-WEB-FORBIDDEN"), path
    assert tree(site) == before


# --- uploads: a file name is never a path -----------------------------------------------------------------------

SUGGESTED = [
    b"../../x.pdf",
    b"..\\..\\x.pdf",
    b"/etc/x.pdf",
    b"C:\\Windows\\x.pdf",
    b"a\x00b.pdf",
    b"a\x01\x1b[31m\x7fb.pdf",
    b"\xe2\x80\xaeFDP.exe.pdf",  # a right-to-left override that would show it as ...exe
    ("很长的材料名称" * 40 + ".pdf").encode(),
    b"x" * 300 + b".pdf",
    b".x.pdf",
    b"..pdf",
    b"x.PDF",
]


@pytest.mark.parametrize("name", SUGGESTED, ids=lambda n: repr(n[:20]))
def test_an_uploaded_proof_lands_in_attachments_under_a_safe_name(site: Path, name: bytes) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = tree(site)
    answer = raw_upload(c, f"/api/c/{A}/proof", name, PDF, token)
    assert answer.status_code == 200, answer.text
    saved = answer.json()["file"]
    assert re.fullmatch(r"[^/\\\x00-\x1f\x7f.\u202e][^/\\\x00-\x1f\x7f\u202e]*\.pdf", saved), saved
    assert len(saved.encode()) <= 255
    after = tree(site)
    added = {k: v for k, v in after.items() if before.get(k) != v}
    assert added == {f"inputs/{A}/attachments/{saved}": hashlib.sha256(PDF).hexdigest()}
    assert set(before) <= set(after)


REFUSED = [
    ("x.pdf.exe", PDF, "E-WEB-UPLOAD-TYPE"),
    ("x.pdf\x00.exe", PDF, "E-WEB-UPLOAD-TYPE"),
    ("x", PDF, "E-WEB-UPLOAD-TYPE"),
    ("x.html", b"<script>alert(1)</script>", "E-WEB-UPLOAD-TYPE"),
    ("x.png", PDF, "E-WEB-UPLOAD-CONTENT"),
    ("x.pdf", b"\x89PNG\r\n\x1a\n", "E-WEB-UPLOAD-CONTENT"),
    ("x.pdf", b"MZ\x90\x00" + PDF, "E-WEB-UPLOAD-CONTENT"),
    ("x.docx", b"%PDF-", "E-WEB-UPLOAD-CONTENT"),
]


@pytest.mark.parametrize(("name", "data", "code"), REFUSED, ids=[f"{n!r}-{c}" for n, _d, c in REFUSED])
def test_a_wrong_type_or_content_is_refused_with_its_code(site: Path, name: str, data: bytes, code: str) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = tree(site)
    answer = raw_upload(c, f"/api/c/{A}/proof", name.encode(), data, token)
    assert (answer.status_code, code_of(answer)) == (400, code)
    assert tree(site) == before


def test_an_upload_over_the_limit_is_refused(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_ATTACHMENT_MB", "0.01")
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = tree(site)
    big = PDF + b"0" * 20_000
    for path, document in ((f"/api/c/{A}/proof", ""), (f"/api/c/{A}/signed", "declaration")):
        files = {"file": ("x.pdf", big, "application/pdf")}
        answer = c.post(path, headers={"X-CSRF-Token": token}, files=files, data={"document": document})
        assert (answer.status_code, code_of(answer)) == (400, "E-WEB-UPLOAD-SIZE"), path
    assert tree(site) == before


@pytest.mark.parametrize("document", ["../../x", "/tmp/x", "..", "declaration/../../x", ""])
def test_a_signed_scan_is_saved_only_as_one_of_the_programmes_documents(site: Path, document: str) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = tree(site)
    files = {"file": ("x.pdf", PDF, "application/pdf")}
    answer = c.post(f"/api/c/{A}/signed", headers={"X-CSRF-Token": token}, files=files, data={"document": document})
    assert (answer.status_code, code_of(answer)) == (400, "E-WEB-SIGNED-DOCUMENT")
    assert tree(site) == before


# --- CSRF: no other web page can make a browser change a file -------------------------------------------------


def _post_routes(c: TestClient) -> list[str]:
    return [p for m, p in requests_of(c, cluster=A, programme=PA, city=CITY_A) if m == "POST"] + ["/logout"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-CSRF-Token": "not-the-token"}, {"Origin": "http://evil.example"}, {"Origin": "null"}],
    ids=["no token", "wrong token", "foreign origin", "null origin"],
)
def test_a_change_without_the_sessions_token_or_from_another_origin_is_refused(site: Path, headers: dict) -> None:
    c = client(site, host="127.0.0.1")  # the default, where no login stands in the way
    token = token_of(c)
    if "Origin" in headers:
        headers = headers | {"X-CSRF-Token": token}  # the right token does not help a foreign page
    before = tree(site)
    for path in _post_routes(c):
        answer = c.post(path, headers=headers, json={"cells": {}, "cluster": "made-by-csrf", "programme": PA})
        assert (answer.status_code, code_of(answer)) == (403, "E-WEB-CSRF"), path
        files = {"file": ("x.pdf", PDF, "application/pdf")}
        answer = c.post(path, headers=headers, files=files, data={"document": "declaration"})
        assert (answer.status_code, code_of(answer)) == (403, "E-WEB-CSRF"), path
    assert tree(site) == before
    same = {"X-CSRF-Token": token, "Origin": BASE}  # the page's own request passes: the refusals are the checks'
    assert c.post(f"/api/c/{A}/check", headers=same, json={"cells": {}}).status_code == 200


def test_a_token_is_good_only_for_its_own_session(site: Path) -> None:
    mine, theirs = client(site, host="127.0.0.1"), client(site, host="127.0.0.1")
    answer = mine.post(f"/api/c/{A}/check", headers={"X-CSRF-Token": token_of(theirs)}, json={"cells": {}})
    assert (answer.status_code, code_of(answer)) == (403, "E-WEB-CSRF")


@pytest.mark.parametrize("csrf", [None, "", "not-the-token"])
def test_the_login_form_without_its_token_logs_no_one_in(site: Path, csrf: str | None) -> None:
    c = client(site)
    token_of(c, "/login")  # a session, with its token, exists
    form = {"name": "op-a", "password": PASSWORD} | ({} if csrf is None else {"csrf": csrf})
    answer = c.post("/login", data=form)
    assert answer.status_code != 303 and 'id="login-error"' in answer.text
    assert (c.get("/").status_code, c.get("/").headers["location"]) == (303, "/login")


def test_the_login_form_from_another_origin_is_refused(site: Path) -> None:
    c = client(site)
    form = {"name": "op-a", "password": PASSWORD, "csrf": token_of(c, "/login")}
    answer = c.post("/login", data=form, headers={"Origin": "http://evil.example"})
    assert (answer.status_code, code_of(answer)) == (403, "E-WEB-CSRF")
    assert c.get("/").status_code == 303


def test_on_loopback_a_request_for_another_host_name_is_refused(site: Path) -> None:
    # DNS rebinding: evil.example resolves to 127.0.0.1, so its page is "same origin" with the app and
    # could read a page (and its CSRF token) of the one person at the keyboard, who needs no login here.
    c = client(site, host="127.0.0.1")
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        answer = c.get("/", headers={"Host": host})
        assert (answer.status_code, code_of(answer)) == (421, "E-WEB-HOST"), host
        assert not any(s in answer.text for s in secrets_of(site, A))
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
        assert c.get("/", headers={"Host": host}).status_code == 200, host


# --- what a user typed is text on every page ---------------------------------------------------------------------


def _hostile_cluster(site: Path) -> str:
    """Cluster ``hostile-x``: A's data with script, attribute breaking and template syntax in what pages show."""
    data = fastyaml.safe_load((site / "inputs" / A / "cluster.yaml").read_text(encoding="utf-8"))
    data["cluster"]["name"] = "".join(HOSTILE)
    data["cluster"]["county"] = HOSTILE[1]
    data["applicant"]["name"] = HOSTILE[2] + HOSTILE[0]
    data["applicant"]["address"] = HOSTILE[3]
    folder = site / "inputs" / "hostile-x"
    shutil.copytree(site / "inputs" / A / "attachments", folder / "attachments")
    (folder / "cluster.yaml").write_text(fastyaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    broken = site / "inputs" / "hostile-broken"
    broken.mkdir()
    (broken / "cluster.yaml").write_text(
        f"programme: {PA}\ncluster: [{HOSTILE[0]}\n  {HOSTILE[1]}: {{", encoding="utf-8"
    )
    return "hostile-x"


def _assert_only_escaped(page: Any) -> None:
    assert page.status_code == 200
    for text in HOSTILE[:2]:
        assert text not in page.text
    assert "<img" not in page.text and "onerror=alert(1)>" not in page.text
    assert "1337" not in page.text  # {{ 7*191 }} was never evaluated
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_what_a_user_typed_is_escaped_on_every_page(site: Path) -> None:
    cluster = _hostile_cluster(site)
    c = client(site, host="127.0.0.1")
    home = c.get("/")
    _assert_only_escaped(home)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home.text
    assert HOSTILE[2] in home.text and HOSTILE[3] in home.text  # shown as typed, not run as a template
    page = c.get(f"/c/{cluster}")
    _assert_only_escaped(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # in the page's title
    found = re.search(r'<script type="application/json" id="cells">(.*?)</script>', page.text, re.S)
    assert found is not None and "<" not in found.group(1)  # the embedded JSON cannot end its script element
    cells = json.loads(found.group(1))
    assert cells["cluster.name"] == "".join(HOSTILE)  # and it is the data, as typed: not run as a template
    assert cells["applicant.name"] == HOSTILE[2] + HOSTILE[0] and cells["applicant.address"] == HOSTILE[3]
    for broken in ("/c/hostile-broken", "/c/%3Cimg%20src=x%20onerror=alert(1)%3E"):
        _assert_only_escaped(c.get(broken))


def test_a_check_answers_json_and_never_html(site: Path) -> None:
    c = client(site, host="127.0.0.1")
    cells = {"cluster.name": HOSTILE[0], "applicant.credit_code": HOSTILE[1]}
    answer = c.post(f"/api/c/{A}/check", headers={"X-CSRF-Token": token_of(c)}, json={"cells": cells})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.json()["errors"] > 0


# --- sessions and accounts ---------------------------------------------------------------------------------------


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The sessions' clock, ``seconds`` from now."""
    now = time.time()
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: now + seconds))


def _logged_out(c: TestClient, token: str = "") -> bool:
    page, api = c.get("/"), send(c, "POST", f"/api/c/{A}/check", token)
    return (page.status_code, page.headers.get("location"), api.status_code, code_of(api)) == (
        303, "/login", 401, "E-WEB-LOGIN",
    )  # fmt: skip


def test_a_session_unused_for_two_hours_has_ended(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = client(site)
    token = log_in(c, "op-a")
    _later(monkeypatch, auth.IDLE_SECONDS - 60)
    assert c.get("/").status_code == 200
    _later(monkeypatch, 2 * auth.IDLE_SECONDS)
    assert _logged_out(c, token)


def test_no_session_outlasts_a_working_day_even_in_use(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = client(site)
    token = log_in(c, "op-a")
    for hour in range(1, 12):
        _later(monkeypatch, hour * 3600)
        assert c.get("/").status_code == 200, hour
    _later(monkeypatch, auth.MAX_SECONDS + 60)
    assert _logged_out(c, token)


def test_logging_in_gives_a_new_session_token(site: Path) -> None:
    c = client(site)
    token_of(c, "/login")
    before = c.cookies[COOKIE]
    log_in(c, "op-a")
    assert c.cookies[COOKIE] != before  # no session fixation: a token planted before login is worth nothing
    planted = client(site)
    planted.cookies.set(COOKIE, before)
    assert _logged_out(planted)


def test_passwords_are_kept_only_as_scrypt_hashes(tmp_path: Path) -> None:
    for name in ("op-a", "op-b", "clerk-b"):  # as `clusterpack user add` keeps them, at the real cost
        auth.add_user(
            tmp_path, name, PASSWORD, clusters=(A,) if name != "clerk-b" else (), city=CITY_B * (name == "clerk-b")
        )
    text = (tmp_path / auth.ACCOUNTS).read_text(encoding="utf-8")
    assert PASSWORD not in text
    users = fastyaml.safe_load(text)["users"]
    assert len(users) == 3
    for user in users:
        assert re.fullmatch(r"scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}", user["password"])
        assert auth.verify_password(PASSWORD, user["password"]) and not auth.verify_password("x", user["password"])
    assert len({u["password"] for u in users}) == 3  # salted: the same password, three hashes


def test_repeated_failures_lock_the_account_out(site: Path) -> None:
    c = client(site)
    for _ in range(auth.FAILURES):
        answer = c.post("/login", data={"name": "op-a", "password": "wrong-password", "csrf": token_of(c, "/login")})
        assert answer.status_code != 303
    answer = c.post("/login", data={"name": "op-a", "password": PASSWORD, "csrf": token_of(c, "/login")})
    assert answer.status_code != 303 and 'id="login-error"' in answer.text  # the right password, too late
    assert _logged_out(c)
    log_in(client(site), "op-b")  # another account is not locked


def test_logging_out_ends_the_session(site: Path) -> None:
    c = client(site)
    token = log_in(c, "op-a")
    cookie = c.cookies[COOKIE]
    answer = c.post("/logout", headers={"X-CSRF-Token": token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    assert _logged_out(c, token)
    replayed = client(site)
    replayed.cookies.set(COOKIE, cookie)
    assert _logged_out(replayed, token)  # the old cookie, replayed, is no session


# --- what the web may write: inputs/ and outputs/, never templates/ ---------------------------------------------


def _outside_inputs_and_outputs(site: Path) -> dict[str, str]:
    return {k: v for k, v in tree(site).items() if not k.startswith(("inputs", "outputs"))}


def test_no_route_writes_under_templates(site: Path) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = _outside_inputs_and_outputs(site)
    form = form_of(load_programme(site / "templates", PA))
    cells = cells_of(form, fastyaml.safe_load((site / "inputs" / A / "cluster.yaml").read_text(encoding="utf-8")))
    hostile_ids = [PA, "", "../templates", "../../templates/tese-apply", "common", "tese-apply/../common", "/etc"]
    for pid in hostile_ids:
        for method, path in requests_of(c, cluster=A, programme=pid or PA, city=CITY_A):
            if method != "POST" or path.endswith("/build"):  # a build runs LibreOffice: not in the fast lane
                continue
            for document in ("declaration", "../../templates/common/x"):
                answer = send(c, method, path, token, cells=cells, programme=pid, document=document)
                assert answer.status_code < 500, (path, pid)
        for cluster in ("made-on-the-web", "../templates", "templates", pid):
            body = {"cluster": cluster, "programme": pid}
            assert c.post("/api/new", headers={"X-CSRF-Token": token}, json=body).status_code < 500
    assert _outside_inputs_and_outputs(site) == before
    # and the routes did write where they may: the refusals above are not those of a blind app
    made = ("made-on-the-web/cluster.yaml", f"{A}/attachments/x.pdf", f"{A}/signed/{PA}/declaration.pdf")
    assert all((site / "inputs" / m).is_file() for m in made)


def test_saving_keeps_what_the_form_does_not_hold_and_writes_only_the_clusters_file(site: Path) -> None:
    file = site / "inputs" / A / "cluster.yaml"
    data = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    other = fastyaml.safe_load((site / "inputs" / B / "cluster.yaml").read_text(encoding="utf-8"))
    kept = {
        "digital": other["digital"],
        "positioning": other["positioning"],
        "notes": {"year": 2026, "list": [1, "二"]},
    }
    file.write_text(fastyaml.safe_dump(data | kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    c = client(site, host="127.0.0.1")
    form = form_of(load_programme(site / "templates", PA))
    before = tree(site)
    cells = cells_of(form, data) | {"cluster.county": "新县名"}
    answer = c.post(f"/api/c/{A}/save", headers={"X-CSRF-Token": token_of(c)}, json={"cells": cells})
    assert (answer.status_code, answer.json()["saved"]) == (200, "cluster.yaml")
    saved = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    assert {k: saved[k] for k in kept} == kept  # another programme's data, as it was
    assert saved["cluster"]["county"] == "新县名" and saved["programme"] == PA
    changed = {k for k, v in tree(site).items() if before.get(k) != v} | (set(before) - set(tree(site)))
    assert changed == {f"inputs/{A}/cluster.yaml"}


def test_sessions_are_bounded_in_number_and_the_newest_survive(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.web import auth

    monkeypatch.setattr(auth, "MAX_SESSIONS", 5)
    sessions = auth.Sessions()
    tokens = [sessions.new(None)[0] for _ in range(40)]
    alive = [t for t in tokens if sessions.get(t) is not None]
    assert len(alive) <= 5
    assert tokens[-1] in alive


def test_the_body_limit_follows_the_attachment_limit_in_force(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    monkeypatch.setenv("CLUSTERPACK_MAX_ATTACHMENT_MB", "1")
    big = c.post(f"/api/c/{A}/check", content=b"x" * 3_000_000, headers={"x-csrf-token": token})
    assert (big.status_code, big.json()["code"]) == (413, "E-WEB-UPLOAD-SIZE")
    monkeypatch.setenv("CLUSTERPACK_MAX_ATTACHMENT_MB", "100")
    answer = c.post(f"/api/c/{A}/check", content=b"{}", headers={"x-csrf-token": token})
    assert answer.json()["code"] != "E-WEB-UPLOAD-SIZE"


def test_a_save_under_a_programme_the_data_does_not_name_is_refused_and_writes_nothing(site: Path) -> None:
    c = client(site, host="127.0.0.1")
    token = token_of(c)
    before = tree(site)
    answer = c.post(
        f"/api/c/{A}/save", json={"programme": PB, "cells": {"cluster.name": "x"}}, headers={"x-csrf-token": token}
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "E-WEB-PROGRAMME")
    assert tree(site) == before
