"""Which face draws each official font name, and how wide and tall its text is.

Templates name the official faces (宋体, 仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体). A fonts folder the
user fills with licensed files (``fonts/`` in the project, or ``CLUSTERPACK_FONTS``) is used first; a
name no file there serves goes to the free face that stands in for its role. The fontconfig file
LibreOffice reads is generated from that (``config_file``), so the PDFs, the manifest and the text
measurements (table widths, the letter's geometry) all use the same faces."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


RESOURCES = Path(__file__).resolve().parents[1] / "resources"


FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


# Each official name, the names a user's file may carry for the same role (the first is the name itself,
# the rest in order of preference), and the free face that stands in when no file serves it.
# 仿宋: FandolFang (the only free 仿宋 with full GB2312 coverage Debian ships); 小标宋: the serif's Bold,
# the heavier weight a 小标宋 title has (measured in README); the rest as DOMAIN.md §4.
ROLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "宋体": (("宋体", "SimSun", "NSimSun", "新宋体"), "Noto Serif CJK SC", "regular"),
    "仿宋_GB2312": (("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong"), "FandolFang", "regular"),
    "仿宋": (("仿宋", "FangSong", "仿宋_GB2312", "FangSong_GB2312"), "FandolFang", "regular"),
    "楷体_GB2312": (("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi"), "LXGW WenKai", "regular"),
    "楷体": (("楷体", "KaiTi", "楷体_GB2312", "KaiTi_GB2312"), "LXGW WenKai", "regular"),
    "黑体": (("黑体", "SimHei"), "Noto Sans CJK SC", "regular"),
    "方正小标宋简体": (
        ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "FZXiaoBiaoSong-B05"),
        "Noto Serif CJK SC",
        "bold",
    ),
    "Times New Roman": (("Times New Roman",), "Liberation Serif", "regular"),
}


# Other names documents may carry, sent to a role.
ALIASES = {
    "SimSun": "宋体",
    "华文中宋": "方正小标宋简体",
    "方正小标宋_GBK": "方正小标宋简体",
    "FangSong": "仿宋",
    "KaiTi": "楷体",
    "SimHei": "黑体",
    "微软雅黑": "黑体",
}


OFFICIAL = ("宋体", "仿宋_GB2312", "仿宋", "楷体_GB2312", "楷体", "黑体", "方正小标宋简体", "Times New Roman")


def user_folder() -> Path:
    """The folder of the user's own licensed font files."""
    env = os.environ.get("CLUSTERPACK_FONTS")
    return Path(env).expanduser().resolve() if env else ROOT / "fonts"


def _families(path: Path) -> list[set[str]]:
    """The family names (every language) of each face in a font file."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        faces = (
            list(TTCollection(str(path), lazy=True).fonts)
            if path.suffix.lower() in (".ttc", ".otc")
            else [TTFont(str(path), lazy=True)]
        )
    except Exception:  # not a font: fontconfig skips it as well
        return []
    out = []
    for face in faces:
        names = {str(r.toUnicode()).strip() for r in face["name"].names if r.nameID in (1, 16)}
        out.append({n for n in names if n})
        face.close()
    return out


@cache
def _user_faces(folder: str, stamp: str) -> tuple[tuple[str, int, frozenset[str]], ...]:
    del stamp  # part of the cache key only
    found = []
    base = Path(folder)
    for path in sorted(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in FONT_SUFFIXES):
        for index, names in enumerate(_families(path)):
            found.append((str(path), index, frozenset(names)))
    return tuple(found)


def _stamp(folder: Path) -> str:
    if not folder.is_dir():
        return ""
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in FONT_SUFFIXES:
            st = p.stat()
            parts.append(f"{p.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def user_faces() -> tuple[tuple[str, int, frozenset[str]], ...]:
    """(file, face index, family names) of every face in the user's fonts folder."""
    folder = user_folder()
    return _user_faces(str(folder), _stamp(folder)) if folder.is_dir() else ()


@cache
def _file_digest(path: str, stamp: str) -> str:
    del stamp
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def folder_digest() -> str:
    """A digest of what the user's fonts folder holds (names and bytes): part of every cache key."""
    folder = user_folder()
    h = hashlib.sha256(str(folder).encode())
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix.lower() in FONT_SUFFIXES:
                st = p.stat()
                h.update(str(p.relative_to(folder)).encode())
                h.update(_file_digest(str(p), f"{st.st_size}:{st.st_mtime_ns}").encode())
    return h.hexdigest()


def user_family_for(name: str) -> str | None:
    """The family name in the user's folder that serves official ``name``, if any."""
    role = ROLES.get(ALIASES.get(name, name))
    if role is None:
        return None
    faces = user_faces()
    for wanted in role[0] if name in ROLES else (name, *role[0]):
        for _file, _index, names in faces:
            if wanted in names:
                return wanted
    return None


def _alias(name: str, family: str, weight: str | None = None) -> str:
    edit = f'<edit name="family" mode="assign" binding="strong"><string>{family}</string></edit>'
    if weight:
        edit += f'<edit name="weight" mode="assign" binding="strong"><const>{weight}</const></edit>'
    return f'  <match target="pattern"><test qual="any" name="family" compare="eq"><string>{name}</string></test>{edit}</match>\n'


def config_text() -> str:
    """The fontconfig file for LibreOffice: the system's, the user's folder first, then the role map."""
    folder = user_folder()
    return _config_text(str(folder), _stamp(folder))


@cache
def _config_text(folder_name: str, stamp: str) -> str:
    del stamp  # part of the cache key only
    base = (RESOURCES / "fonts.conf").read_text(encoding="utf-8")
    folder = Path(folder_name)
    lines = []
    if folder.is_dir():
        lines.append(f"  <dir>{folder}</dir>\n")
    for name in (*ROLES, *ALIASES):
        served = user_family_for(name)
        if served is not None:
            if served != name:
                lines.append(_alias(name, served))
            continue
        role = ROLES[ALIASES.get(name, name)]
        lines.append(_alias(name, role[1], role[2] if role[2] != "regular" else None))
    return base.replace("  <!-- clusterpack:roles -->\n", "".join(lines))


def _cache_folder() -> Path:
    # Not in TMPDIR: a build's scratch space there may be full or cleaned; the files are small and
    # named by what they hold, so any process may share them.
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache_home / "clusterpack"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def _written(text: str) -> Path:
    path = _cache_folder() / f"fonts-{hashlib.sha256(text.encode()).hexdigest()[:16]}.conf"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path


def config_file() -> Path:
    """The generated fontconfig file (written once per content)."""
    return _written(config_text())


def environment_digest() -> str:
    """What the faces depend on: the generated map and the bytes of the user's fonts."""
    return hashlib.sha256((config_text() + folder_digest()).encode()).hexdigest()


@dataclass(frozen=True)
class Face:
    """The face fontconfig gives an official name: its family, file and index in the file."""

    name: str
    family: str
    style: str
    file: str
    index: int

    @property
    def from_user(self) -> bool:
        folder = user_folder()
        return Path(self.file).resolve().is_relative_to(folder) if folder.is_dir() else False

    def as_manifest(self) -> dict[str, Any]:
        role = ROLES.get(ALIASES.get(self.name, self.name))
        return {
            "face": self.family,
            "style": self.style,
            "file": self.file if not self.from_user else Path(self.file).name,
            "source": "fonts folder" if self.from_user else "free stand-in",
            **({} if self.from_user or role is None else {"stands_in_for": self.name}),
        }


@cache
def _resolve(name: str, conf: str) -> Face:
    env = {**os.environ, "FONTCONFIG_FILE": conf}
    out = subprocess.run(
        ["fc-match", "-f", "%{family[0]}\t%{style[0]}\t%{file}\t%{index}", f"{name}:lang=zh-cn"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    family, style, file, index = (out.stdout.split("\t") + ["", "", "", "0"])[:4]
    return Face(name, family or "?", style, file, int(index or 0))


def resolve(name: str) -> Face:
    """The face that draws official ``name`` in the PDFs."""
    return _resolve(name, str(config_file()))


def font_map() -> dict[str, dict[str, Any]]:
    """Per official name, which face and file served it (for the manifest)."""
    return {name: resolve(name).as_manifest() for name in OFFICIAL}


class Metrics:
    """Advance widths and vertical metrics of one face, in units of its em.

    Reading a CJK face's character map and widths takes seconds; what measuring needs of them (the
    advance of each character, the em, the line's height) is kept beside the fontconfig file, once
    per face file, so that a new process reads it in milliseconds. The font itself is opened only
    for the ink of a glyph (``vertical``).
    """

    def __init__(self, face: Face) -> None:
        self.face = face
        self.upm, ascent, descent, self._units = _widths(face)
        self._font: Any = None  # opened when first needed, kept open for the process (cached)
        self._bounds: dict[str, tuple[float, float]] = {}
        self._advances: dict[str, float] = {}
        self.height = (ascent - descent) / self.upm  # ascent + descent, in em

    def has(self, ch: str) -> bool:
        return ord(ch) in self._units

    def advance(self, ch: str) -> float:
        """The advance of ``ch`` in em (0.5 for a character the face lacks: a fallback face draws it)."""
        if ch not in self._advances:
            units = self._units.get(ord(ch))
            fallback = 1.0 if ord(ch) >= 0x2E80 else 0.5
            self._advances[ch] = fallback if units is None else float(units) / self.upm
        return self._advances[ch]

    def vertical(self, ch: str) -> tuple[float, float]:
        """(lowest, highest) ink of ``ch`` relative to the baseline, in em."""
        if self._font is None:
            from fontTools.ttLib import TTFont

            font = TTFont(self.face.file, fontNumber=self.face.index)
            self._font = (font, font.getBestCmap() or {}, font.getGlyphSet())
        _font, cmap, glyphs = self._font
        glyph = cmap.get(ord(ch))
        if glyph is None:
            return (0.0, 0.0)
        if glyph not in self._bounds:
            from fontTools.pens.boundsPen import BoundsPen

            pen = BoundsPen(glyphs)
            glyphs[glyph].draw(pen)
            lo, hi = (pen.bounds[1], pen.bounds[3]) if pen.bounds else (0.0, 0.0)
            self._bounds[glyph] = (lo / self.upm, hi / self.upm)
        return self._bounds[glyph]


_Widths = tuple[int, int, int, dict[int, int]]  # units per em, ascent, descent, advance of each character


def _widths(face: Face) -> _Widths:
    """What measuring needs of ``face``: read from its file once, then from the copy kept of it."""
    st = Path(face.file).stat()
    key = hashlib.sha256(f"{face.file}\0{face.index}\0{st.st_size}\0{st.st_mtime_ns}\0{_WIDTHS_FORMAT}".encode())
    kept = _cache_folder() / f"widths-{key.hexdigest()[:16]}.json"
    try:
        upm, ascent, descent, pairs = json.loads(kept.read_text(encoding="utf-8"))
        return int(upm), int(ascent), int(descent), {int(c): int(u) for c, u in pairs}
    except (OSError, ValueError, TypeError):  # not kept yet, or damaged: read the font
        pass
    from fontTools.ttLib import TTFont

    font = TTFont(face.file, fontNumber=face.index, lazy=True)
    hmtx = font["hmtx"]
    units = {cp: int(hmtx[glyph][0]) for cp, glyph in (font.getBestCmap() or {}).items()}
    widths = (int(font["head"].unitsPerEm), int(font["hhea"].ascent), int(font["hhea"].descent), units)
    font.close()
    tmp = kept.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps([*widths[:3], sorted(units.items())]), encoding="utf-8")
        tmp.replace(kept)
    except OSError:  # a read-only cache: measured again by the next process
        tmp.unlink(missing_ok=True)
    return widths


_WIDTHS_FORMAT = 1


@cache
def _metrics(face: Face) -> Metrics:
    return Metrics(face)


def metrics(name: str) -> Metrics:
    """Metrics of the face that draws official ``name``."""
    return _metrics(resolve(name))
