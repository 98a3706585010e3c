"""``make templates``: run every template generator; a template edited by hand is kept (see templatelock.py).

``python scripts/templates.py [--force]``; exits 1 when a template was kept against the generator.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATORS = (
    "make_templates.py",
    "templates_tese_eval.py",
    "templates_digital.py",
    "template_relaxation.py",
    "templates_annual.py",
)

if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    for name in GENERATORS:
        runpy.run_path(str(HERE / name), run_name="__main__")
