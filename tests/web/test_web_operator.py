"""An operator, in a real browser, goes from an empty cluster to a downloaded packet, for each programme.

The example's data is typed through the form (long texts pasted, as an operator pastes them), its
proofs uploaded (one by drag and drop), its signed scan uploaded; a live error appears on a bad
credit code and goes when it is fixed; the build runs from the page; the PDF downloaded from the
page reads, part by part, as the example's golden text, and the file the web app saved reads back
as the example's own data.
"""

from __future__ import annotations

import base64
import os
import shutil
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from conftest import ROOT
from goldtext import GOLDEN, parts
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from webkit import chromium, client_of, js_errors, serve, visible, wait

from pipeline.core.case import build_date
from pipeline.stages import check as checking
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_cluster
from pipeline.web.form import cells_of, form_of

pytestmark = pytest.mark.office
SHOTS = os.environ.get("CLUSTERPACK_SCREENSHOTS")  # a folder: each page's screenshot is kept there
EXAMPLES = [
    ("qinglan-agrimachinery", "tese-apply"),
    ("lanwan-ai", "digital-apply"),
    ("yuyang-textile-eval", "tese-eval"),
]
PASTE = 80  # texts longer than this (or of several lines) are pasted, not typed key by key


def _shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "inputs").mkdir()
    (tmp_path / "outputs").mkdir()
    return tmp_path


def _type(driver, name: str, value: str) -> None:
    """Type ``value`` into the input ``name`` key by key (a select: choose the option)."""
    element = driver.find_element(By.NAME, name)
    if element.tag_name == "select":
        Select(element).select_by_value(value)
        return
    element.clear()
    element.send_keys(value)


PASTE_ALL = """
for (const [name, value] of Object.entries(arguments[0])) {
  const input = document.querySelector(`[name="${CSS.escape(name)}"]`);
  if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === value)) throw new Error(name);
  input.value = value;
  input.dispatchEvent(new Event("input", {bubbles: true}));
}"""


def _rows(driver, path: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, f'[data-path="{path}"] .row'))


def _fill(driver, form, cells: dict[str, str]) -> None:
    """Add the rows the data has (with the page's buttons), then enter every value: the first value of each
    part and every short one of the first part key by key, the others as a paste would (input events)."""
    for part in form.parts:
        if part.kind not in ("table", "sections") or part.path == "attachments":
            continue
        prefix = part.path + "."
        wanted = 1 + max((int(n[len(prefix) :].split(".")[0]) for n in cells if n.startswith(prefix)), default=-1)
        button = driver.find_element(By.CSS_SELECTOR, f'[data-add="{part.path}"]')
        for _ in range(wanted - _rows(driver, part.path)):
            driver.execute_script("arguments[0].click();", button)
    values = {n: v for n, v in cells.items() if v and not n.startswith("attachments.")}
    typed: set[str] = set()
    for n, part in enumerate(form.parts):
        names = [k for k in values if (spec := form.spec_of(k)) is not None and spec[1] == part.title]
        short = [k for k in names if len(values[k]) <= PASTE and "\n" not in values[k]]
        typed.update(short if n == 0 else short[:1])
    driver.execute_script(PASTE_ALL, {k: v for k, v in values.items() if k not in typed})
    for name in typed:
        _type(driver, name, values[name])


def _drop(driver, path: Path) -> None:
    """Drop a file on the drop zone, as dragging it from the desktop does."""
    data = base64.b64encode(path.read_bytes()).decode()
    driver.execute_script(
        """const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], arguments[1]));
        document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));""",
        data,
        path.name,
    )


def _upload_proofs(driver, example: Path, raw_data: dict, materials: dict[str, str]) -> None:
    for n, item in enumerate(raw_data.get("attachments") or []):
        Select(driver.find_element(By.ID, "proof-category")).select_by_value(materials[item["category"]])
        driver.find_element(By.ID, "proof-title").send_keys(item["title"])
        box = driver.find_element(By.ID, "proof-sensitive")
        if bool(item.get("sensitive")) != box.is_selected():
            box.click()
        file = example / "attachments" / item["file"]
        if n == 0:
            _drop(driver, file)
        else:
            driver.find_element(By.ID, "proof-file").send_keys(str(file))
        wait(driver, 20).until(lambda d, k=n: _rows(d, "attachments") == k + 1)
        if item.get("pages"):
            _type(driver, f"attachments.{n}.pages", str(item["pages"]))


def _problems(driver) -> str:
    return "; ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".msg .line, #general-list li"))[:2000]


def _live_error(driver) -> None:
    """A bad credit code gets its message beside the input as it is typed; fixing it takes the message away."""
    name = "applicant.credit_code"
    box = driver.find_element(By.CSS_SELECTOR, f'.field[data-name="{name}"]')
    good = driver.find_element(By.NAME, name).get_attribute("value")
    _type(driver, name, good[:-1] + ("0" if good[-1] != "0" else "1"))
    wait(driver).until(lambda d: "E-" in box.find_element(By.CSS_SELECTOR, ".msg").text)
    assert "bad" in box.get_attribute("class")
    _shot(driver, "operator-live-error")
    _type(driver, name, good)
    wait(driver).until(lambda d: box.find_element(By.CSS_SELECTOR, ".msg").text == "")


@pytest.mark.parametrize(("cluster", "programme_id"), EXAMPLES)
def test_an_operator_types_the_example_and_downloads_its_packet(web_root: Path, cluster: str, programme_id: str):
    example = ROOT / "inputs" / cluster
    raw = load_cluster(ROOT / "inputs", cluster)
    programme = load_programme(ROOT / "templates", programme_id)
    form = form_of(programme)
    cells = cells_of(form, raw.data)
    materials = {m.id: m.title for m in programme.materials}
    with serve(web_root) as app, chromium() as driver:
        # --- a new cluster, from the start page
        driver.get(app.url + "/")
        Select(driver.find_element(By.ID, "new-programme")).select_by_value(programme_id)
        driver.find_element(By.ID, "new-id").send_keys(cluster)
        driver.find_element(By.ID, "new-create").click()
        visible(driver, "#form")
        wait(driver).until(lambda d: "正在检查" not in d.find_element(By.ID, "summary").text)
        assert "错误" in driver.find_element(By.ID, "summary").text  # an empty cluster: everything is missing
        # --- the data typed in, the proofs and the signed scan uploaded
        _fill(driver, form, cells)
        _upload_proofs(driver, example, raw.data, materials)
        for scan in sorted((example / "signed").glob("*.pdf")) if (example / "signed").is_dir() else []:
            driver.find_element(By.CSS_SELECTOR, f'.signed-file[data-document="{scan.stem}"]').send_keys(str(scan))
            wait(driver).until(lambda d: "已上传" in d.find_element(By.ID, "signed-state").text)
        if programme_id == "tese-apply":
            _live_error(driver)
        try:
            wait(driver, 30).until(lambda d: "数据无误" in d.find_element(By.ID, "summary").text)
        except TimeoutException:
            pytest.fail(f"the form still has problems: {_problems(driver)}")
        driver.execute_script("document.getElementById('form').scrollIntoView(); window.scrollTo(0, 0)")
        _shot(driver, f"operator-form-{programme_id}")
        # --- the file it saved is the example's data
        wait(driver, 20).until(lambda d: "已保存" in d.find_element(By.ID, "save-state").text)
        saved = load_cluster(app.paths.inputs, cluster)
        today = build_date()
        mine = checking.survey(saved, programme, app.paths, today)
        theirs = checking.survey(raw, programme, case_paths(), today)
        assert [p.code for p in mine.problems if p.severity == "error"] == []
        assert mine.data.model_dump() == theirs.data.model_dump()
        # --- the build, from the page; the packet downloaded and read
        driver.find_element(By.ID, "build-button").click()
        wait(driver, 400).until(lambda d: d.find_element(By.ID, "build-state").text.startswith(("已生成", "未生成")))
        assert driver.find_element(By.ID, "build-state").text.startswith("已生成"), driver.find_element(
            By.ID, "build-state"
        ).text
        thumbs = visible(driver, "#thumbs img")
        wait(driver, 30).until(lambda d: d.execute_script("return arguments[0].naturalWidth", thumbs) > 0)
        driver.execute_script("document.getElementById('build').scrollIntoView()")
        _shot(driver, f"operator-packet-{programme_id}")
        links = {a.text: a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#packet a")}
        with client_of(driver, app.url) as http:
            pdf = http.get(links["下载 PDF"])
            everything = http.get(links["下载全部（zip）"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert js_errors(driver) == []
    got = web_root / "downloaded.pdf"
    got.write_bytes(pdf.content)
    golden = GOLDEN / f"{programme_id}-{cluster}"
    expected = {p.name: p.read_text(encoding="utf-8") for p in golden.glob("[0-9]*.txt")}
    assert parts(got) == expected
    names = zipfile.ZipFile(BytesIO(everything.content)).namelist()
    assert f"{cluster}/申报材料.pdf" in names or any(n.endswith(".pdf") for n in names)
    assert any(n.endswith(".docx") for n in names)


def case_paths():
    from pipeline.core.case import Paths

    return Paths(inputs=ROOT / "inputs", templates=ROOT / "templates", outputs=ROOT / "outputs")
