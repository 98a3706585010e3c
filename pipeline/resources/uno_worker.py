"""One LibreOffice process, driven over UNO, converting documents to PDF on request.

Runs under the Python that ships LibreOffice's ``uno`` module (Debian: /usr/bin/python3 with
python3-uno), not the project's virtualenv. Protocol on stdin/stdout, one JSON object a line:
  → {"src": "/abs/in.docx", "dst": "/abs/out.pdf"}
  ← {"ok": true} or {"ok": false, "error": "..."}
The first line it writes is {"ready": true, "version": "..."} once LibreOffice answers.
Only the standard library and uno are used here.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def no_hanging_punctuation(doc):
    """Keep punctuation inside the line: LibreOffice (7.4) hangs a 、 or ， that ends a justified
    line into the margin and then leaves it out of the PDF altogether. DOCX has no say here (its
    w:overflowPunct is not read), so it is switched off on every paragraph style after loading."""
    styles = doc.StyleFamilies.getByName("ParagraphStyles")
    for name in styles.ElementNames:
        try:
            styles.getByName(name).ParaIsHangingPunctuation = False
        except Exception:  # a style without the property: nothing hangs there
            pass


def reply(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    soffice, profile_url, pipe_name, log_path = sys.argv[1:5]
    log = open(log_path, "ab")
    office = subprocess.Popen(
        [
            soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            "--nofirststartwizard",
            "-env:UserInstallation=" + profile_url,
            f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + float(os.environ.get("CLUSTERPACK_OFFICE_START_TIMEOUT", "90"))
    ctx = None
    while ctx is None:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if office.poll() is not None:
                reply({"ready": False, "error": f"LibreOffice exited with code {office.returncode} at start"})
                return 1
            if time.monotonic() > deadline:
                office.kill()
                reply({"ready": False, "error": "LibreOffice did not answer within the start timeout"})
                return 1
            time.sleep(0.05)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    version = ""
    try:
        cfg = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
        node = cfg.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationAccess", (prop("nodepath", "/org.openoffice.Setup/Product"),)
        )
        version = "{} {}".format(node.getByName("ooName"), node.getByName("ooSetupVersionAboutBox"))
    except Exception:  # the version is information only
        pass
    reply({"ready": True, "version": version, "pid": office.pid})

    filter_data = uno.Any(
        "[]com.sun.star.beans.PropertyValue",
        (
            prop("EmbedStandardFonts", True),
            prop("ExportBookmarks", False),
            prop("ExportNotes", False),
            prop("UseTaggedPDF", False),
        ),
    )
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        doc = None
        try:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(req["src"]), "_blank", 0, (prop("Hidden", True), prop("ReadOnly", True))
            )
            if doc is None:
                raise RuntimeError("LibreOffice could not open the document")
            calc = doc.supportsService("com.sun.star.sheet.SpreadsheetDocument")
            if not calc:
                no_hanging_punctuation(doc)
            doc.storeToURL(
                uno.systemPathToFileUrl(req["dst"]),
                (
                    prop("FilterName", "calc_pdf_Export" if calc else "writer_pdf_Export"),
                    prop("FilterData", filter_data),
                ),
            )
            reply({"ok": True})
        except Exception as exc:  # report and carry on with the next document
            reply({"ok": False, "error": "{}: {}".format(type(exc).__name__, getattr(exc, "Message", "") or exc)})
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:
                    pass
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        office.wait(timeout=20)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
