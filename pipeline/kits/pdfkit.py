"""Pages drawn on pages, without parsing their content: the way PDF tools overlay.

A page to be drawn (a page-number stamp, a label, a watermark, a proof page fitted to A4) becomes
a Form XObject of the target file: its content stream is copied as it is (still compressed) with
its resources. The target page then gets one more resource and a few bytes of content
(``q … cm /Name Do Q``) before or after its own, which stays untouched inside ``q … Q``. pypdf's
``merge_page`` instead parses and rewrites both content streams, which is most of the cost of
numbering a packet."""

from __future__ import annotations

from typing import Any

from pypdf import PageObject, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

_FORM_KEYS = ("/Filter", "/DecodeParms", "/Length")


def content_streams(page: PageObject) -> list[Any]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    resolved = contents.get_object()
    if isinstance(resolved, ArrayObject):
        return list(resolved)
    return [contents]


def _copy(value: Any) -> DictionaryObject:
    """A shallow copy of a (possibly indirect) dictionary, so that a page's change is its own."""
    resolved = value.get_object() if value is not None else None
    return DictionaryObject(resolved) if isinstance(resolved, DictionaryObject) else DictionaryObject()


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def upright(page: PageObject) -> tuple[Transformation, tuple[float, float]]:
    """How to draw ``page`` as it is shown (its ``/Rotate`` applied) from (0, 0); its shown size."""
    box = page.mediabox
    where = (
        Transformation()
        .translate(-float(box.left + box.width / 2), -float(box.bottom + box.height / 2))
        .rotate(-page.rotation)
    )
    corners = [where.apply_on(point) for point in (box.lower_left, box.upper_right)]
    x0, y0 = min(c[0] for c in corners), min(c[1] for c in corners)
    x1, y1 = max(c[0] for c in corners), max(c[1] for c in corners)
    return where.translate(-x0, -y0), (x1 - x0, y1 - y0)


class Painter:
    """Draws pages onto the pages of one writer."""

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        self._open = self._stream(b"q\n")
        self._close = self._stream(b"Q\n")
        self._count = 0

    def _stream(self, data: bytes) -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return self.writer._add_object(stream)

    def form(self, page: PageObject) -> IndirectObject:
        """``page`` (of any reader or writer) as a Form XObject of this writer."""
        streams = content_streams(page)
        if len(streams) == 1:  # copied still compressed, as it is
            source = streams[0].get_object()
            form: StreamObject = source.clone(self.writer, force_duplicate=True, ignore_fields=list(source.keys()))
            for key in _FORM_KEYS:
                if key in source:
                    form[NameObject(key)] = source[key].clone(self.writer)
        else:
            joined = DecodedStreamObject()
            joined.set_data(b"\n".join(s.get_object().get_data() for s in streams))
            form = joined.flate_encode()  # held compressed: a packet of such pages stays its size in memory
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        box = page.mediabox
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top))
        group = page.get("/Group")
        if group is not None:  # a transparency group stays one
            form[NameObject("/Group")] = group.clone(self.writer)
        resources = page.get("/Resources")
        form[NameObject("/Resources")] = resources.clone(self.writer) if resources is not None else DictionaryObject()
        reference = getattr(form, "indirect_reference", None)
        if reference is not None and reference.pdf is self.writer:
            return reference
        return self.writer._add_object(form)

    def draw(self, page: PageObject, form: IndirectObject, where: Transformation, under: bool = False) -> None:
        """Paint ``form`` on ``page`` (a page of this writer) through ``where``, over or under its content."""
        resources = _copy(page.get("/Resources"))
        xobjects = _copy(resources.get("/XObject"))
        while True:
            self._count += 1
            name = NameObject(f"/CpForm{self._count}")
            if name not in xobjects:
                break
        xobjects[name] = form
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        matrix = " ".join(_number(v) for v in where.ctm)
        paint = self._stream(f"q {matrix} cm {name} Do Q\n".encode("ascii"))
        own = content_streams(page)
        if not own:
            layers = [paint]
        elif under:
            layers = [paint, self._open, *own, self._close]
        else:
            layers = [self._open, *own, self._close, paint]
        page[NameObject("/Contents")] = ArrayObject(layers)

    def blank(self, page: PageObject, x: float, y: float, w: float, h: float) -> None:
        """Paint a white rectangle over ``page`` (page coordinates, points), on top of its content."""
        box = self._stream(f"q 1 1 1 rg {_number(x)} {_number(y)} {_number(w)} {_number(h)} re f Q\n".encode("ascii"))
        own = content_streams(page)
        page[NameObject("/Contents")] = ArrayObject([self._open, *own, self._close, box] if own else [box])
