"""The committed .docx templates are the truth: ``make templates`` proposes, and never overwrites a clerk's edit.

The generators run in a copy of scripts/ and templates/ (they write beside themselves), as ``make templates`` runs them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from docx import Document

ROOT = Path(__file__).resolve().parents[2]
EDITED = "templates/tese-apply/02-profile.docx"
ADDED = "本段由市工业和信息化局在 Word 中补充。"


def _copy(tmp: Path) -> Path:
    shutil.copytree(ROOT / "scripts", tmp / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", tmp / "templates")
    return tmp


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "templates").rglob("*"))
        if p.is_file()
    } | {"scripts/templates.lock.json": hashlib.sha256((root / "scripts/templates.lock.json").read_bytes()).hexdigest()}


def _run(root: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / script), *args], capture_output=True, text=True, timeout=120
    )


def test_make_templates_on_a_clean_tree_changes_no_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = _files(root)
    done = _run(root, "templates.py")
    assert done.returncode == 0, done.stderr
    assert _files(root) == before  # every generator agrees with the committed templates, byte for byte
    assert "已写入" not in done.stdout


def test_a_template_edited_in_word_is_kept_and_the_difference_shown(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    doc = Document(str(root / EDITED))
    doc.add_paragraph(ADDED)
    doc.save(str(root / EDITED))
    edited = (root / EDITED).read_bytes()
    before = _files(root)

    kept = _run(root, "make_templates.py")
    assert kept.returncode == 1
    assert EDITED in kept.stderr and f"-{ADDED}" in kept.stderr  # the line the script would take away
    assert (root / EDITED).read_bytes() == edited and _files(root) == before  # nothing else was touched either

    forced = _run(root, "make_templates.py", "--force")
    assert forced.returncode == 0, forced.stderr
    assert ADDED not in "\n".join(p.text for p in Document(str(root / EDITED)).paragraphs)
    assert _files(root) == _files(_copy(tmp_path / "fresh"))  # back to what is committed
