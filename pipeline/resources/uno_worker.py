"""One LibreOffice process, driven over UNO, converting documents to PDF on request.

Runs under the Python that ships LibreOffice's ``uno`` module (Debian: /usr/bin/python3 with
python3-uno), not the project's virtualenv. Protocol on stdin/stdout, one JSON object a line:
  → {"src": "/abs/in.docx", "dst": "/abs/out.pdf"}
  ← {"ok": true} or {"ok": false, "error": "..."}
  → {"quit": true}, then end of input: quit in good order (end of input alone: the parent is gone)
The first line it writes is {"ready": true, "version": "..."} once LibreOffice answers.
Only the standard library and uno are used here.

It dies with its parent, and takes LibreOffice with it: the parent holds the other end of stdin,
so stdin closing without {"quit": true} before it means the parent has gone, and the whole process
group (this helper, oosplash, soffice.bin) is killed at once, as it is when the parent quits in
the middle of a conversion; asked to quit while idle, LibreOffice is asked to quit, and killed if
it does not within a few seconds. soffice itself also gets SIGKILL when
this helper dies (PR_SET_PDEATHSIG). The data memory of the helper and of LibreOffice is limited
(RLIMIT_DATA, from CLUSTERPACK_OFFICE_DATA_LIMIT): a document that would need more fails to
convert instead of filling the machine.
"""

import ctypes
import ctypes.util
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
import zipfile

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def no_hanging_punctuation(doc, src):
    """Keep punctuation inside the line: LibreOffice (7.4) hangs a 、 or ， that ends a justified
    line into the margin and then leaves it out of the PDF altogether. It is switched off on every
    paragraph style after loading.

    A style has its own value only where the file says so (w:overflowPunct in a .docx's styles);
    every other style takes the document's default. So for a .docx whose styles never say, the
    default is switched off, one call instead of one per style (≈ 130 calls, 0.2 s a document);
    any other file has each style set."""
    if not _styles_may_hang(src):
        doc.createInstance("com.sun.star.text.Defaults").ParaIsHangingPunctuation = False
        return
    styles = doc.StyleFamilies.getByName("ParagraphStyles")
    for name in styles.ElementNames:
        try:
            styles.getByName(name).ParaIsHangingPunctuation = False
        except Exception:  # a style without the property: nothing hangs there
            pass


def _styles_may_hang(src):
    """Whether a style of ``src`` may set hanging punctuation itself: true unless it is a .docx whose
    styles part does not name w:overflowPunct."""
    if not src.lower().endswith(".docx"):
        return True
    try:
        with zipfile.ZipFile(src) as zf:
            return b"overflowPunct" in zf.read("word/styles.xml")
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return True


def reply(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def limit_memory():
    """Limit this process's data memory, and so LibreOffice's (rlimits are inherited)."""
    limit = int(os.environ.get("CLUSTERPACK_OFFICE_DATA_LIMIT", "0") or 0)
    if limit > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def die_with_parent():
    """In the child, before exec: SIGKILL it when this helper dies."""
    name = ctypes.util.find_library("c")
    if name:
        ctypes.CDLL(name).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


QUIT = '{"quit": true}'  # the line a parent writes before closing stdin to let LibreOffice quit in good order


class Requests:
    """stdin read on a thread of its own, so that its closing is seen even during a conversion."""

    def __init__(self):
        self.lines = queue.Queue()
        self.busy = threading.Event()  # converting a document
        self.serving = threading.Event()  # LibreOffice is up and the helper waits for requests
        self.quit = threading.Event()  # the parent asked for a quit in good order (QUIT) before closing
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            if line.strip() == QUIT:
                self.quit.set()
            else:
                self.lines.put(line)
        # The parent is gone, or done with us. Gone (stdin closed without QUIT), starting or
        # converting: nobody will read a result, so stop now. Asked to quit while idle: the main
        # loop asks LibreOffice to quit; if it has not within 10 s, stop anyway.
        if not self.quit.is_set() or self.busy.is_set() or not self.serving.is_set():
            os.killpg(0, signal.SIGKILL)
        self.lines.put(None)
        last = threading.Timer(10, os.killpg, (0, signal.SIGKILL))
        last.daemon = True  # a helper that quits in time is not held back by it
        last.start()

    def __iter__(self):
        self.serving.set()
        while True:
            line = self.lines.get()
            if line is None:
                return
            yield line


def main():
    soffice, profile_url, pipe_name, log_path = sys.argv[1:5]
    limit_memory()
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
        preexec_fn=die_with_parent,  # the helper has one thread here: preexec_fn is safe
    )
    requests = Requests()
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
    load = (
        prop("Hidden", True),
        prop("ReadOnly", True),
        prop("UpdateDocMode", 0),  # com.sun.star.document.UpdateDocMode.NO_UPDATE: links are not updated
        prop("MacroExecutionMode", 0),  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
    )
    for line in requests:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        doc = None
        requests.busy.set()
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(req["src"]), "_blank", 0, load)
            if doc is None:
                raise RuntimeError("LibreOffice could not open the document")
            calc = doc.supportsService("com.sun.star.sheet.SpreadsheetDocument")
            if not calc:
                no_hanging_punctuation(doc, req["src"])
            doc.storeToURL(
                uno.systemPathToFileUrl(req["dst"]),
                (
                    prop("FilterName", "calc_pdf_Export" if calc else "writer_pdf_Export"),
                    prop("FilterData", filter_data),
                ),
            )
            # not busy before the answer: a parent that closes stdin on it finds LibreOffice idle and
            # lets it quit in good order (closing the document below takes a few ms more)
            requests.busy.clear()
            reply({"ok": True})
        except Exception as exc:  # report and carry on with the next document
            requests.busy.clear()
            reply({"ok": False, "error": "{}: {}".format(type(exc).__name__, getattr(exc, "Message", "") or exc)})
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:
                    pass
            requests.busy.clear()
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
