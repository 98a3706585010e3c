"""The clerk's page: a city bureau orders its clusters, fills in its letter, builds and downloads the city packet.

The browser test drives the real app in Debian's Chromium over the 潍坊 (370700) example: its
decision file and the city's two 特色产业集群 (the YAML example and the workbook one, renamed here so
that the order can be read in the letter). The fast tests call the save API as the page does and
read the codes the library's own check (``recommend.plan``) gives; a clerk of another city is refused.
"""

from __future__ import annotations

import io
import re
import shutil
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import fastyaml
import openpyxl
import pytest
from conftest import ROOT
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from webkit import chromium, client_of, js_errors, serve, visible, wait

from pipeline.core.case import Paths
from pipeline.stages.read import load_cluster
from pipeline.web import auth
from pipeline.web.app import create_app

with warnings.catch_warnings():  # starlette asks for httpx2 (not installed here); its client works on httpx as it is
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

CITY, FIRST, SECOND = "370700", "qinglan-agrimachinery", "qinglan-agrimachinery-xlsx"
SECOND_NAME = "青岚县农机零部件特色产业集群"
SHOT = Path("/tmp/shots/clerk.png")


@pytest.fixture
def city_root(tmp_path: Path) -> Path:
    """A project with the templates, the 潍坊 decision file and the city's two 特色产业集群."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "inputs" / "cities").mkdir(parents=True)
    (tmp_path / "outputs").mkdir()
    shutil.copy(ROOT / "inputs" / "cities" / f"{CITY}.yaml", tmp_path / "inputs" / "cities")
    for cid in (FIRST, SECOND):
        shutil.copytree(ROOT / "inputs" / cid, tmp_path / "inputs" / cid)
    # the workbook example is the YAML one typed into Excel: named apart here, so that the letter shows the order
    where = load_cluster(tmp_path / "inputs", SECOND).where(("cluster", "name"))
    book = openpyxl.load_workbook(tmp_path / "inputs" / SECOND / "cluster.xlsx")
    book[where.sheet][where.cell] = SECOND_NAME
    book.save(tmp_path / "inputs" / SECOND / "cluster.xlsx")
    return tmp_path


def _paths(root: Path) -> Paths:
    return Paths(inputs=root / "inputs", templates=root / "templates", outputs=root / "outputs")


def _decision(root: Path) -> dict[str, Any]:
    return fastyaml.safe_load((root / "inputs" / "cities" / f"{CITY}.yaml").read_text(encoding="utf-8"))


def _drag(driver, item, target) -> None:
    """Drag ``item`` onto the top half of ``target``, as HTML5 drag and drop does (Selenium cannot send these)."""
    driver.execute_script(
        """const [item, target] = arguments;
        const transfer = new DataTransfer();
        const box = target.getBoundingClientRect();
        const at = {bubbles: true, cancelable: true, dataTransfer: transfer, clientX: box.left + 20, clientY: box.top + 4};
        item.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: transfer}));
        target.dispatchEvent(new DragEvent('dragover', at));
        target.dispatchEvent(new DragEvent('drop', at));
        item.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: transfer}));""",
        item,
        target,
    )


def _order(driver) -> list[str]:
    return [li.get_attribute("data-cluster") for li in driver.find_elements(By.CSS_SELECTOR, "#order li")]


@pytest.mark.office
def test_a_clerk_orders_the_clusters_sets_the_contact_and_downloads_the_letter(city_root: Path) -> None:
    with serve(city_root) as app, chromium() as driver:
        driver.get(app.url + "/")
        driver.find_element(By.CSS_SELECTOR, f'a[data-city="{CITY}"]').click()
        visible(driver, "#order li")
        assert _order(driver) == [FIRST, SECOND]  # the file's cluster first; the city's other one offered, unticked
        second = driver.find_element(By.CSS_SELECTOR, f'li[data-cluster="{SECOND}"]')
        second.find_element(By.CSS_SELECTOR, "input.chosen").click()
        # dragged to the top and back, then moved up from the keyboard
        _drag(driver, second, driver.find_element(By.CSS_SELECTOR, f'li[data-cluster="{FIRST}"]'))
        assert _order(driver) == [SECOND, FIRST]
        _drag(driver, driver.find_element(By.CSS_SELECTOR, f'li[data-cluster="{FIRST}"]'), second)
        assert _order(driver) == [FIRST, SECOND]
        second.find_element(By.CSS_SELECTOR, "button.up").send_keys(Keys.ENTER)
        assert _order(driver) == [SECOND, FIRST]
        assert second.find_element(By.CSS_SELECTOR, ".no").text == "1."
        contact = driver.find_element(By.ID, "f-contact")
        contact.clear()
        contact.send_keys("李明华")
        driver.find_element(By.ID, "save").click()
        wait(driver).until(lambda d: "已保存" in d.find_element(By.ID, "save-state").text)
        saved = _decision(city_root)
        assert saved["clusters"] == [SECOND, FIRST] and saved["contact"] == "李明华"
        assert saved["cc"] == ["潍坊市人民政府办公室"] and str(saved["date"]) == "2024-06-18"
        # --- the city packet, built from the page
        driver.find_element(By.ID, "build-button").click()
        wait(driver, 300).until(lambda d: d.find_element(By.ID, "build-state").text.startswith(("已生成", "未生成")))
        assert driver.find_element(By.ID, "build-state").text.startswith("已生成")
        thumb = visible(driver, "#thumbs img")
        loaded = "return [...document.querySelectorAll('#thumbs img')].every((i) => i.complete && i.naturalWidth > 0)"
        wait(driver, 30).until(lambda d: thumb and d.execute_script(loaded))
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.set_window_size(1440, 1200)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(SHOT))
        links = {a.text: a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#outputs a")}
        assert {"推荐文件.pdf", "汇总表.pdf", "报送清单.pdf", "推荐材料.pdf", "全部文件（zip）"} <= set(links)
        with client_of(driver, app.url) as http:
            letter = http.get(links["推荐文件.pdf"])
            everything = http.get(links["全部文件（zip）"])
            _a_failed_build_leaves_the_last_good_packet(http)
        assert js_errors(driver) == []
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages))
    assert "李明华" in text
    assert text.index(SECOND_NAME) < text.index("青岚县智能农机装备特色产业集群")
    names = zipfile.ZipFile(io.BytesIO(everything.content)).namelist()
    assert {f"{CITY}/推荐文件.pdf", f"{CITY}/推荐材料.pdf"} <= set(names)


def _a_failed_build_leaves_the_last_good_packet(http: Any) -> None:
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"/city/{CITY}").text)
    assert token is not None
    headers = {"X-CSRF-Token": token.group(1)}
    bad = http.post(f"/api/city/{CITY}/save", json=_body(document_number="潍工信字2024-58"), headers=headers)
    assert bad.json()["state"]["review"]["errors"] == 1
    http.post(f"/api/city/{CITY}/build", json={"programme": "tese-apply"}, headers=headers)
    for _ in range(100):
        job = http.get(f"/api/city/{CITY}/build?programme=tese-apply").json()
        if job["job"]["state"] != "running":
            break
        time.sleep(0.1)
    assert job["job"]["state"] == "failed" and {p["code"] for p in job["job"]["problems"]} == {"E-WENHAO-FORMAT"}
    assert job["outputs"]["file"] == "推荐材料.pdf"  # the last good packet, still listed
    again = http.get(f"/city/{CITY}/out/tese-apply/推荐材料.pdf")
    assert again.status_code == 200 and again.content.startswith(b"%PDF")


# --- the save API, as the page calls it --------------------------------------------------------------------------


def _token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _body(**changes: Any) -> dict[str, Any]:
    body = {
        "programme": "tese-apply",
        "clusters": [FIRST],
        "force": {},
        "bureau": "潍坊市工业和信息化局",
        "document_number": "潍工信字〔2024〕58号",
        "date": "2024-06-18",
        "contact": "王晓燕",
        "phone": "0536-8231234",
        "cc": ["潍坊市人民政府办公室"],
    }
    return body | changes


def _save(client: TestClient, token: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/city/{CITY}/save", json=body, headers={"X-CSRF-Token": token})


def _codes(answer: Any) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {p["code"] for p in answer.json()["state"]["review"]["problems"] if p["severity"] == "error"}


def test_saving_writes_the_decision_whole_and_keeps_what_the_page_does_not_hold(city_root: Path) -> None:
    file = city_root / "inputs" / "cities" / f"{CITY}.yaml"
    file.write_text(file.read_text(encoding="utf-8") + "signatory: 潍坊市工业和信息化局办公室\n", encoding="utf-8")
    client = TestClient(create_app(_paths(city_root)), base_url="http://127.0.0.1:8000")
    token = _token(client, f"/city/{CITY}")
    answer = _save(client, token, _body(clusters=[SECOND, FIRST], contact="李明华"))
    assert _codes(answer) == set()
    saved = _decision(city_root)
    assert saved["clusters"] == [SECOND, FIRST] and saved["contact"] == "李明华"
    assert saved["signatory"] == "潍坊市工业和信息化局办公室" and saved["programme"] == "tese-apply"
    shown = answer.json()["state"]["clusters"]
    assert [(c["id"], c["chosen"], c["name"]) for c in shown] == [
        (SECOND, True, SECOND_NAME),
        (FIRST, True, shown[1]["name"]),
    ]


def test_bad_input_is_answered_with_the_librarys_codes(city_root: Path) -> None:
    client = TestClient(create_app(_paths(city_root)), base_url="http://127.0.0.1:8000")
    token = _token(client, f"/city/{CITY}")
    assert "E-WENHAO-FORMAT" in _codes(_save(client, token, _body(document_number="潍工信字2024-58")))
    assert "E-CITY-CLUSTER-MISSING" in _codes(_save(client, token, _body(clusters=[FIRST, "no-such-cluster"])))
    assert "E-CITY-FORCE-UNKNOWN" in _codes(_save(client, token, _body(force={SECOND: "主导产业特色鲜明"})))
    assert "E-CLUSTER-ID" in _codes(_save(client, token, _body(clusters=["../../etc"])))
    assert "E-DATE-FORMAT" in _codes(_save(client, token, _body(date="六月十八日")))
    refused = _save(client, token, _body(clusters="qinglan"))
    assert refused.status_code == 400 and refused.json()["code"] == "E-WEB-REQUEST"
    no_token = client.post(f"/api/city/{CITY}/save", json=_body())
    assert no_token.status_code == 403 and no_token.json()["code"] == "E-WEB-CSRF"


def test_what_a_clerk_typed_is_text_on_the_page(city_root: Path) -> None:
    client = TestClient(create_app(_paths(city_root)), base_url="http://127.0.0.1:8000")
    token = _token(client, f"/city/{CITY}")
    _save(client, token, _body(contact='<script>alert("x")</script>', cc=["</script><b>抄送</b>"]))
    page = client.get(f"/city/{CITY}").text
    assert "<script>alert" not in page and "</script><b>" not in page
    assert "&lt;script&gt;alert" in page  # the input's value, escaped; the page's data is JSON with \u003c


def _clerk(root: Path, city: str) -> TestClient:
    name = f"clerk-{city}"
    auth.add_user(root / "inputs", name, "a-long-password", city=city)
    client = TestClient(create_app(_paths(root), host="0.0.0.0"))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    answer = client.post("/login", data={"name": name, "password": "a-long-password", "csrf": token.group(1)})
    assert answer.status_code in (200, 303) and client.cookies.get("clusterpack_session")
    return client


def test_a_clerk_of_another_city_is_refused_and_the_citys_own_clerk_reads_its_clusters(city_root: Path) -> None:
    other = _clerk(city_root, "370100")
    token = _token(other, "/")
    for answer in (
        other.get(f"/city/{CITY}"),
        _save(other, token, _body()),
        other.get(f"/api/city/{CITY}/build?programme=tese-apply"),
        other.get(f"/city/{CITY}/zip/tese-apply"),
        other.get(f"/city/{CITY}/out/tese-apply/推荐文件.pdf"),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "E-WEB-NO-CITY"
    assert _decision(city_root)["contact"] == "王晓燕"  # nothing written
    own = _clerk(city_root, CITY)
    token = _token(own, f"/city/{CITY}")
    assert _codes(_save(own, token, _body(contact="李明华"))) == set()
    page = own.get(f"/c/{FIRST}?programme=tese-apply")
    assert page.status_code == 200 and 'data-editable="no"' in page.text  # the city's clusters, read-only
    change = own.post(
        f"/api/c/{FIRST}/save", json={"programme": "tese-apply", "cells": {}}, headers={"X-CSRF-Token": token}
    )
    assert change.status_code == 403 and change.json()["code"] == "E-WEB-FORBIDDEN"
    nothing = own.get(f"/city/{CITY}/out/tese-apply/manifest.json")
    assert nothing.status_code == 404 and nothing.json()["code"] == "E-WEB-NO-FILE"


def test_a_city_without_a_decision_chooses_a_programme_and_starts_from_its_clusters(city_root: Path) -> None:
    client = TestClient(create_app(_paths(city_root)), base_url="http://127.0.0.1:8000")
    assert client.get("/city/999999").json()["code"] == "E-WEB-NO-CITY"
    chooser = client.get("/city/370600").text  # 烟台: no decision file
    assert 'id="programmes"' in chooser and 'data-programme="tese-apply"' in chooser
    # 潍坊's file is for another programme: this one gets its own file, as `clusterpack init --city` names it
    token = _token(client, f"/city/{CITY}?programme=digital-apply")
    answer = client.post(
        f"/api/city/{CITY}/save", json=_body(programme="digital-apply", clusters=[]), headers={"X-CSRF-Token": token}
    )
    assert answer.json()["saved"] == f"{CITY}-digital-apply.yaml"
    assert _decision(city_root)["programme"] == "tese-apply"  # the other programme's file untouched
    assert "E-CITY-CLUSTER-UNMET" not in _codes(answer)
    later = client.get(f"/city/{CITY}?programme=tese-review")  # a later round of tese-apply reads tese-apply's file
    assert later.status_code == 200 and f"inputs/cities/{CITY}.yaml" in later.text


def test_the_sealed_letter_uploaded_goes_where_the_city_workflow_takes_it(city_root: Path) -> None:
    from pipeline.stages.recommend import signed_scans

    client = TestClient(create_app(_paths(city_root)), base_url="http://127.0.0.1:8000")
    token = _token(client, f"/city/{CITY}")
    pdf = (ROOT / "inputs" / FIRST / "signed" / "declaration.pdf").read_bytes()

    def upload(what: str, name: str, data: bytes) -> Any:
        files = {"file": (name, data, "application/pdf")}
        form = {"what": what, "programme": "tese-apply"}
        return client.post(f"/api/city/{CITY}/signed", files=files, data=form, headers={"X-CSRF-Token": token})

    answer = upload("letter", "扫描.pdf", pdf)
    assert answer.status_code == 200, answer.text
    assert {s["what"]: s["present"] for s in answer.json()["scans"]} == {"letter": True, "summary": False}
    decision_file = city_root / "inputs" / "cities" / f"{CITY}.yaml"
    found, problems = signed_scans(decision_file, city_root / "inputs")
    assert problems == [] and found["letter"].read_bytes() == pdf  # what `clusterpack city` will use
    assert upload("summary", "x.pdf", b"not a pdf").json()["code"] == "E-WEB-UPLOAD-CONTENT"
    assert upload("../../letter", "x.pdf", pdf).json()["code"] == "E-WEB-SIGNED-DOCUMENT"
    assert (
        client.post(f"/api/city/{CITY}/signed", files={"file": ("x.pdf", pdf)}, data={"what": "letter"}).status_code
        == 403
    )
