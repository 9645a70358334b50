"""Checking an uploaded file before anything is stored (OWASP ASVS 5.2–5.4).

No domain knowledge: evidence, consultation imports and people's documents all call
check_upload() (or use UploadField in a form), then store() what it gives back.

What is checked, in order:
1. Size, first from what the upload declares (before reading it), then while reading.
2. The type, from the *content* (libmagic via python-magic, plus our own checks), never from the
   name or the content type the browser sent. Only the kinds passed in are accepted.
3. The name's extension must agree with the type found in the content.
4. A second look for things libmagic lets through: web page code inside a PDF or image (polyglots),
   a ZIP archive hidden at the end of a PDF or image, HTML that libmagic calls a PDF because
   "%PDF" appears somewhere in its first kilobyte.
5. Office and OpenDocument files are ZIP containers: the number of entries, the total size once
   expanded and the compression ratio are checked against limits, every entry is read back with its
   CRC (so an entry cannot claim to be small and expand to more), encrypted entries and macros are
   refused, and the container must hold what its type needs (word/document.xml for Word, and so on).
   While reading back, what can run or fetch something is refused: macros (VBA; OpenDocument Basic/
   and Scripts/, event listeners, vnd.sun.star.script: links), ActiveX controls, OLE objects, links
   that fetch content when the file opens (TargetMode="External" other than a clickable link; a
   template on another computer or website), links to other workbooks and data connections, and DDE
   (Word's DDE/DDEAUTO fields, Excel's program|topic!item formulas). A ZIP inside is refused,
   except an Office file under …/embeddings/ (a chart's workbook), which is checked like the upload
   itself, with the same limits shared between the two, one level deep.
6. PDFs that run scripts or actions, or carry other files, are refused (see _check_pdf), as are PDFs
   that cannot be read well enough to tell.
7. PNG and JPEG images are decoded and saved again, which drops hidden content and metadata such as
   a phone's GPS location; the pixel count is checked from the header before any pixel is decoded.
8. A name with bidirectional controls (U+202E and the like, which make "invoice\u202efdp.exe" look
   like a PDF) is refused; any other name is only ever shown to people, after sanitise_filename().

The file's name is only ever shown to people (after sanitise_filename()); on disk every file has a
random name (secrets.token_hex) under a folder chosen by the caller.
"""

import contextlib
import hashlib
import html
import io
import itertools
import re
import secrets
import threading
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

import magic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.functional import lazy
from PIL import Image, ImageFile, ImageOps

from involve.core.forms import has_bidi_controls


@dataclass(frozen=True)
class FileKind:
    key: str
    short: str  # for "Upload a PDF, Word, … file"
    article: str  # for "The file is a PDF"
    content_type: str  # what is stored and sent back on download
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", "a PDF", "application/pdf", (".pdf",))
DOCX = FileKind(
    "docx",
    "Word",
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "xlsx",
    "Excel",
    "an Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
PPTX = FileKind(
    "pptx",
    "PowerPoint",
    "a PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
ODT = FileKind(
    "odt", "OpenDocument", "an OpenDocument text document", "application/vnd.oasis.opendocument.text", (".odt",)
)
ODS = FileKind(
    "ods", "OpenDocument", "an OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)
)
CSV = FileKind("csv", "CSV", "a CSV file", "text/csv", (".csv",))
TEXT = FileKind("text", "plain text", "a plain text file", "text/plain", (".txt",))
PNG = FileKind("png", "PNG", "a PNG image", "image/png", (".png",))
JPEG = FileKind("jpeg", "JPEG", "a JPEG image", "image/jpeg", (".jpg", ".jpeg"))

DOCUMENT_KINDS = (PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TEXT, PNG, JPEG)
ALL_KINDS = DOCUMENT_KINDS

# ZIP containers (Office, OpenDocument). A 20 MB spreadsheet of plain values expands to roughly
# 100–200 MB of XML, at ratios of 10–30; zip bombs run to thousands.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_EXPANDED_BYTES = 250 * 1024 * 1024
ZIP_MAX_RATIO = 100
# Images: checked from the header before any pixels are decoded.
IMAGE_MAX_PIXELS = 60_000_000

_OOXML_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", PPTX: "ppt/presentation.xml"}
_ODF_MIMETYPES = {ODT.content_type: ODT, ODS.content_type: ODS}
_MAGIC_KIND = {k.content_type: k for k in (PDF, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG)}
_ZIPPISH = {
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
    "application/vnd.ms-excel",
    "application/msword",
    "application/vnd.ms-powerpoint",
}

# Plain words for what libmagic found, when it is something we refuse.
_DESCRIPTIONS = {
    "text/html": "an HTML page",
    "application/xhtml+xml": "an HTML page",
    "image/svg+xml": "an SVG image",
    "text/xml": "an XML file",
    "application/xml": "an XML file",
    "text/rtf": "an RTF document",
    "application/rtf": "an RTF document",
    "application/zip": "a ZIP archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/x-rar": "a RAR archive",
    "application/gzip": "a compressed archive",
    "application/x-tar": "a TAR archive",
    "application/x-dosexec": "a Windows program",
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/x-pie-executable": "a program",
    "application/x-sharedlib": "a program library",
    "application/x-mach-binary": "a program",
    "text/javascript": "a script",
    "application/javascript": "a script",
    "text/x-shellscript": "a script",
    "application/x-msi": "a Windows installer",
    "application/msword": "an older Word document (.doc)",
    "application/vnd.ms-excel": "an older Excel spreadsheet (.xls)",
    "application/vnd.ms-powerpoint": "an older PowerPoint presentation (.ppt)",
    "application/x-ole-storage": "an older Microsoft Office file",
    "application/CDFV2": "an older Microsoft Office file",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "image/heic": "a HEIC image",
    "image/tiff": "a TIFF image",
    "image/bmp": "a bitmap image",
}
# Text that a browser could render as a page or run: never accepted as CSV or plain text.
_ACTIVE_TEXT = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/rtf",
    "text/javascript",
    "application/javascript",
}

# What a browser treats as HTML when it sniffs the start of a file (WHATWG MIME Sniffing §7.1).
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*(?:<!doctype\s+html|<html|<head|<script|<iframe|<h1|<div|<font|<table"
    rb"|<a|<style|<title|<b|<body|<br|<p|<!--|<\?xml|<svg)(?:[\s>/]|$)",
    re.IGNORECASE,
)
# Web page code anywhere in a binary file: the HTML half of a polyglot.
_HTML_ANYWHERE = re.compile(
    rb"<(?:!doctype\s+html|html|script|body|iframe|svg|object|embed|meta\s+http-equiv)[\s>/]", re.IGNORECASE
)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what to store, and what to record about it."""

    content: bytes
    original_name: str  # sanitised, for showing to people only; never a path
    kind: FileKind
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    @property
    def extension(self) -> str:
        return self.kind.extensions[0]


def allowed_sentence(kinds=ALL_KINDS) -> str:
    shorts = list(dict.fromkeys(k.short for k in kinds))
    listed = shorts[0] if len(shorts) == 1 else ", ".join(shorts[:-1]) + " or " + shorts[-1]
    article = "an" if listed[0] in "AEIOU" else "a"
    return f"Upload {article} {listed} file"


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{n // 1024} KB"


# ---------------------------------------------------------------------------------------------
# Names


_RESERVED = re.compile(r'[<>:"|?*]')
NAME_MAX_LENGTH = 150


def _sanitise_once(name: str, max_length: int) -> str:
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    # Control, format (bidi overrides such as U+202E), surrogate, private-use and unassigned characters.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _RESERVED.sub("_", name)
    name = " ".join(name.split())
    name = name.strip(" .")
    name = unicodedata.normalize("NFC", name)
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 1 <= len(ext) <= 10:
            name = stem[: max_length - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:max_length]
        name = name.strip(" .")
    return name


def sanitise_filename(name, max_length: int = NAME_MAX_LENGTH) -> str:
    """A name fit to show people: no folders, no control characters, no leading dot, not too long.

    Only ever used as a label. Stored files get random names (see store()).
    """
    name = str(name or "")
    for _ in range(5):
        cleaned = _sanitise_once(name, max_length)
        if cleaned == name:
            break
        name = cleaned
    return name or "file"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


# ---------------------------------------------------------------------------------------------
# The checks


def _read(file, max_bytes: int) -> bytes:
    declared = getattr(file, "size", None)
    too_big = f"The selected file must be smaller than {_megabytes(max_bytes)}"
    if declared is not None and declared > max_bytes:
        raise ValidationError(too_big, code="too_big")
    if hasattr(file, "seek"):
        file.seek(0)
    buffer = bytearray()
    # Read in chunks and stop as soon as the limit is passed, whatever the upload declared.
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(64 * 1024), b"")
    for chunk in chunks:
        buffer += chunk
        if len(buffer) > max_bytes:
            raise ValidationError(too_big, code="too_big")
    return bytes(buffer)


def _wrong_type(found: str | None, expected: FileKind | None, kinds) -> ValidationError:
    if found is None:
        said = f"The file is not {expected.article}" if expected else "Involve cannot take this kind of file"
    else:
        said = f"The file is {found}" + (f", not {expected.article}" if expected else "")
    return ValidationError(f"{said}. {allowed_sentence(kinds)}", code="type")


def _damaged(kind: FileKind, detail: str = "") -> ValidationError:
    return ValidationError(
        f"The file looks like {kind.article} but cannot be opened{detail}. Save it again and upload the new copy",
        code="damaged",
    )


def _macros(kind: FileKind | None) -> ValidationError:
    how = (
        "Save it without macros (as .docx, .xlsx or .pptx)"
        if kind in _OOXML_PARTS or kind is None
        else ("Save a copy without macros")
    )
    return ValidationError(
        f"The file contains macros, which can run programs. {how} and upload it again", code="macros"
    )


def _refused(what: str, code: str) -> ValidationError:
    return ValidationError(f"The file contains {what}. Save a copy without it and upload that", code=code)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an older Office file or an OLE object
_ODF_SCRIPT_FOLDER = re.compile(r"(?:^|/)(?:basic|scripts)/", re.IGNORECASE)
_ACTIVEX_PART = re.compile(r"(?:^|/)activex/", re.IGNORECASE)
_OLE_PART = re.compile(r"(?:^|/)oleobject[^/]*$", re.IGNORECASE)
_EXTERNAL_LINKS_PART = re.compile(r"(?:^|/)externallinks/", re.IGNORECASE)
_CONNECTIONS_PART = re.compile(r"^xl/connections\.xml$", re.IGNORECASE)  # queries of databases and web pages
_EMBEDDINGS_PART = re.compile(r"^(?:word|xl|ppt)/embeddings/", re.IGNORECASE)
# Office content types and relationship types that mean code, controls or embedded objects.
_ACTIVE_CONTENT_TYPES = ("oleobject", "activex", "vbaproject", "macroenabled", "vbadata")
_ACTIVE_RELATIONSHIPS = {"oleobject", "control", "activexcontrolbinary", "vbaproject", "vbadata"}
# What an external relationship fetches when the document opens, in words (anything else: "content").
_EXTERNAL_WORDS = {
    "image": "a picture",
    "oleobject": "an object",
    "frame": "a web page frame",
    "subdocument": "another document",
    "externallinkpath": "another workbook",
    "attachedtemplate": "a template",
}
# Links a person clicks (not fetched on opening): web, email, phone and file links only.
_LINK_SCHEMES = {"http", "https", "mailto", "tel", "file"}
_LOCAL_PATH = re.compile(r"^(?:file:///)?[a-z]:[\\/]", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"^\s*(?:vnd\.sun\.star\.script|vnd\.sun\.star\.basic|macro|javascript|vbscript):", re.I)


class _ZipBudget:
    """Entries and expanded bytes left for one upload, shared by a container and the packages inside it."""

    def __init__(self):
        self.entries = ZIP_MAX_ENTRIES
        self.expanded = ZIP_MAX_EXPANDED_BYTES


def _parse_xml(chunks, on_element, kind: FileKind, on_text=None, on_end=None):
    """Feed an XML part to expat, calling on_element(local_name, namespace, {local name: value}) for
    every element (and on_text(text), on_end(local_name) if given). Entity declarations (billion
    laughs) are refused; nothing outside is ever fetched."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def entity(*args):
        raise _damaged(kind, " (it declares XML entities)")

    def start(name, attributes):
        namespace, _, local = name.rpartition("}")
        on_element(local, namespace, {key.rpartition("}")[2]: value for key, value in attributes.items()})

    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    if on_text:
        parser.CharacterDataHandler = on_text
    if on_end:
        parser.EndElementHandler = lambda name: on_end(name.rpartition("}")[2])
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise _damaged(kind) from None


def _check_relationship(attributes):
    """One <Relationship> of an Office file: no code, controls or objects; nothing fetched from elsewhere."""
    rel_type = attributes.get("Type", "").rstrip("/").rpartition("/")[2].lower()
    target = attributes.get("Target", "").strip()
    if rel_type in _ACTIVE_RELATIONSHIPS:
        raise _macros(None) if rel_type.startswith("vba") else _refused(_ACTIVE_WORDS[rel_type], "active")
    if attributes.get("TargetMode", "").strip().lower() != "external":
        return
    if rel_type == "hyperlink":
        scheme = re.match(r"([a-z][a-z0-9+.-]*):", target, re.IGNORECASE)
        # A one-letter scheme is a drive letter (C:\...), a link to a file like any other.
        if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() not in _LINK_SCHEMES:
            raise _refused(f"a link that starts a program ({scheme.group(1)[:20]}:), not a web page", "external")
        return
    if rel_type == "attachedtemplate":
        # Word records the template a document was made from. One on a local drive (file:///C:/…) is
        # only looked for on the reader's own computer; one on a website or a shared server (\\server\…)
        # is fetched when the document opens, and can bring macros with it (template injection).
        if _LOCAL_PATH.match(target):
            return
        raise ValidationError(
            "The file uses a template stored on another computer or website, which could add macros when "
            "it is opened. Copy its content into a new blank document, save that and upload it",
            code="external",
        )
    raise ValidationError(
        f"The file links to {_EXTERNAL_WORDS.get(rel_type, 'content')} stored elsewhere, which would be fetched "
        "when it is opened. Save a copy without the link and upload that",
        code="external",
    )


# DDE asks another program for data, and can start it (Word's DDE and DDEAUTO fields, and Excel
# formulas of the form program|topic!item, such as =cmd|' /C calc'!A0). Word writes a field's code in
# w:instrText, often split over several runs, or in w:fldSimple's instr; Excel a formula in <f>.
_DDE_FIELD = re.compile(r"^\s*DDE(?:AUTO)?\b", re.IGNORECASE)
_DDE_FORMULA = re.compile(r"[A-Za-z0-9_.]+\s*\|")
_WORD_TEXT_PART = re.compile(
    r"^word/(?:document|header\d*|footer\d*|footnotes|endnotes|comments|glossary/document)\.xml$", re.IGNORECASE
)
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DDE = "a DDE link, which asks another program for data and can start it when the file is opened"


class _WordFieldCodes:
    """Word field codes in one part, each checked for DDE once complete (at the next fldChar)."""

    def __init__(self):
        self.inside, self.code = False, []

    def element(self, local, namespace, attributes):
        if local == "fldSimple" and _DDE_FIELD.match(attributes.get("instr", "")):
            raise _refused(_DDE, "active")
        if local == "fldChar":
            self.finish()  # begin, separate or end: the code written so far is one field's
        elif local == "instrText":
            self.inside = True

    def characters(self, text):
        if self.inside:
            self.code.append(text)

    def end(self, local):
        if local == "instrText":
            self.inside = False
        elif local in _WORD_PART_ROOTS:
            self.finish()

    def finish(self):
        code, self.code = "".join(self.code), []
        if _DDE_FIELD.match(code):
            raise _refused(_DDE, "active")


_WORD_PART_ROOTS = {"document", "hdr", "ftr", "footnotes", "endnotes", "comments", "glossaryDocument"}


class _SheetFormulas:
    """Excel formulas (<f>) in one worksheet, each checked for DDE, text in double quotes left out."""

    def __init__(self):
        self.inside, self.text = False, []

    def element(self, local, namespace, attributes):
        if local == "f":
            self.inside, self.text = True, []

    def characters(self, text):
        if self.inside:
            self.text.append(text)

    def end(self, local):
        if local == "f":
            self.inside = False
            if _DDE_FORMULA.search(re.sub(r'"[^"]*"', "", "".join(self.text))):
                raise _refused(_DDE, "active")


_PACKED = "a ZIP archive or another kind of file packed inside it, which Involve cannot check"
_ACTIVE_WORDS = {
    "oleobject": "an embedded object (such as a program or an older Office file), which may not be safe to open",
    "control": "ActiveX controls, which can run programs",
    "activexcontrolbinary": "ActiveX controls, which can run programs",
}


class _PartInspector:
    """Looks inside the parts of an Office or OpenDocument file as they are read back."""

    def __init__(self, kind: FileKind, depth: int, budget: _ZipBudget):
        self.kind, self.depth, self.budget = kind, depth, budget
        self.odf = kind in (ODT, ODS)

    def check_name(self, name: str):
        if name.lower().endswith(("vbaproject.bin", "vbadata.xml")) or (self.odf and _ODF_SCRIPT_FOLDER.search(name)):
            raise _macros(self.kind)
        if _ACTIVEX_PART.search(name):
            raise _refused(_ACTIVE_WORDS["control"], "active")
        if _OLE_PART.search(name):
            raise _refused(_ACTIVE_WORDS["oleobject"], "active")
        if not self.odf and (_EXTERNAL_LINKS_PART.search(name) or _CONNECTIONS_PART.search(name)):
            # Links to other workbooks, and DDE links, which ask another program for the data.
            raise ValidationError(
                "The file takes data from other workbooks or programs through links, which is not safe to keep. "
                "Paste the values in place of the links and upload it again",
                code="external",
            )

    def parser_for(self, name: str):
        """A function that takes the part's chunks, or None when the part needs no look inside."""
        lower = name.lower()
        if not self.odf and lower.endswith(".rels"):
            return lambda chunks: _parse_xml(chunks, self._rels_element, self.kind)
        if not self.odf and lower == "[content_types].xml":
            return lambda chunks: _parse_xml(chunks, self._content_type_element, self.kind)
        if not self.odf and (_WORD_TEXT_PART.match(name) or _SHEET_PART.match(name)):
            codes = _WordFieldCodes() if _WORD_TEXT_PART.match(name) else _SheetFormulas()
            return lambda chunks: _parse_xml(chunks, codes.element, self.kind, codes.characters, codes.end)
        if self.odf and lower.endswith(".xml"):
            return lambda chunks: _parse_xml(chunks, self._odf_element, self.kind)
        return None

    def check_start(self, name: str, start: bytes) -> bool:
        """Checks on a part's first bytes; True when the whole part is wanted (a package inside)."""
        if start.startswith(_OLE_MAGIC):
            raise _refused(_ACTIVE_WORDS["oleobject"], "active")
        if start.startswith(b"PK\x03\x04"):
            # A chart in Word or PowerPoint keeps its figures in an Excel workbook under …/embeddings/.
            # That one level is opened and checked like the upload itself; anything else is refused.
            if self.depth == 0 and not self.odf and _EMBEDDINGS_PART.match(name):
                return True
            raise _refused(_PACKED, "embedded")
        return False

    def check_package(self, data: bytes):
        try:
            _check_zip(data, (DOCX, XLSX, PPTX), depth=self.depth + 1, budget=self.budget)
        except ValidationError as error:
            if error.code in ("type", "damaged", "polyglot"):
                raise _refused(_PACKED, "embedded") from None
            raise

    def _rels_element(self, local, namespace, attributes):
        if local == "Relationship":
            _check_relationship(attributes)

    def _content_type_element(self, local, namespace, attributes):
        content_type = attributes.get("ContentType", "").lower()
        if "vba" in content_type or "macroenabled" in content_type:
            raise _macros(self.kind)
        if any(word in content_type for word in _ACTIVE_CONTENT_TYPES):
            word = "control" if "activex" in content_type else "oleobject"
            raise _refused(_ACTIVE_WORDS[word], "active")

    def _odf_element(self, local, namespace, attributes):
        # Macros are bound to events (script:event-listener in office:event-listeners), written inline
        # (office:script, text:script) or reached through links such as vnd.sun.star.script:…; the
        # namespace prefix is the author's choice, so only the local names are compared.
        if local in ("event-listener", "event-listeners", "script"):
            raise _macros(self.kind)
        if local == "encryption-data":
            raise ValidationError(
                "The file is protected by a password. Remove the password and upload it again", code="encrypted"
            )
        for key, value in attributes.items():
            if key == "href" and _SCRIPT_URL.match(value):
                raise _macros(self.kind)
            if key == "full-path" and _ODF_SCRIPT_FOLDER.search(value):
                raise _macros(self.kind)
            if key == "media-type" and "oleobject" in value.lower():
                raise _refused(_ACTIVE_WORDS["oleobject"], "active")


def _check_zip(data: bytes, kinds, *, depth: int = 0, budget: _ZipBudget | None = None) -> FileKind:
    """Which Office or OpenDocument kind a ZIP container is, after checking it is safe to open."""
    budget = budget or _ZipBudget()
    generic = FileKind("zip", "ZIP", "an Office or OpenDocument file", "application/zip", (".zip",))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
        raise _damaged(generic) from None
    budget.entries -= len(entries)
    if budget.entries < 0:
        raise ValidationError(
            f"The file holds {ZIP_MAX_ENTRIES - budget.entries:,} parts; documents may hold at most "
            f"{ZIP_MAX_ENTRIES:,}. "
            "It may be a zip bomb, which is not safe to open",
            code="zip_bomb",
        )
    expanded = sum(e.file_size for e in entries)
    budget.expanded -= expanded
    if budget.expanded < 0 or expanded > ZIP_MAX_RATIO * max(len(data), 1):
        raise ValidationError(
            f"The file would expand to {_megabytes(expanded)} when opened, {expanded // max(len(data), 1):,} "
            "times its size. It may be a zip bomb, which is not safe to open",
            code="zip_bomb",
        )
    names = {e.filename for e in entries}
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise ValidationError(
                "The file is protected by a password. Remove the password and upload it again", code="encrypted"
            )
        if entry.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", entry.filename):
            raise _damaged(generic, " (it has parts stored outside the document)")
        if entry.filename.lower().endswith("vbaproject.bin"):
            raise _macros(None)

    kind = None
    if "mimetype" in names:
        kind = _ODF_MIMETYPES.get(archive.read("mimetype")[:100].decode("ascii", "replace").strip())
        if kind is None:
            raise _wrong_type("an OpenDocument file other than text or a spreadsheet", None, kinds)
        if "content.xml" not in names:
            raise _damaged(kind, " (content.xml is missing)")
    elif "[Content_Types].xml" in names:
        found = [k for k, part in _OOXML_PARTS.items() if part in names]
        if len(found) == 1:
            kind = found[0]
        elif len(found) > 1:
            raise ValidationError(
                "The file claims to be more than one kind of Office document. " + allowed_sentence(kinds),
                code="polyglot",
            )
        else:
            raise _damaged(generic, " (its main part is missing)")
    if kind is None:
        raise _wrong_type("a ZIP archive", None, kinds)

    # Read every part back: zipfile stops at each part's declared size and checks its CRC, so a part
    # that expands beyond what it declares, or is corrupt, fails here rather than in whatever opens it.
    # On the way, each part is looked at for macros, controls, embedded objects and external links.
    inspector = _PartInspector(kind, depth, budget)
    for entry in entries:
        inspector.check_name(entry.filename)
    try:
        for entry in entries:
            with archive.open(entry) as part:
                first = part.read(1024 * 1024)
                keep = inspector.check_start(entry.filename, first)
                parse = inspector.parser_for(entry.filename)
                chunks = itertools.chain([first], iter(lambda: part.read(1024 * 1024), b""))
                if keep:
                    inspector.check_package(b"".join(chunks))
                elif parse:
                    parse(chunks)
                else:
                    for _ in chunks:
                        pass
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
        raise _damaged(kind) from None
    return kind


_PILLOW_FLAG = threading.Lock()


@contextlib.contextmanager
def _truncated_images_refused():
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES to True when it is imported, after
    # which Pillow quietly pads a cut-off image with grey. Uploads must be whole, so the flag is
    # held at False while an upload is decoded.
    with _PILLOW_FLAG:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _reencode_image(data: bytes, kind: FileKind) -> bytes:
    try:
        with _truncated_images_refused(), Image.open(io.BytesIO(data)) as image:
            if image.format != {"png": "PNG", "jpeg": "JPEG"}[kind.key]:
                raise _damaged(kind)
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width:,} × {height:,} pixels; images may have at most "
                    f"{IMAGE_MAX_PIXELS // 1_000_000} million pixels",
                    code="too_big",
                )
            image.load()
            out = io.BytesIO()
            if kind is JPEG:
                # Turn the picture the right way up before the orientation tag is dropped with the rest.
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L", "CMYK"):
                    image = image.convert("RGB")
                image.save(out, "JPEG", quality=92, icc_profile=image.info.get("icc_profile"))
            else:
                params = {}
                if "transparency" in image.info:
                    params["transparency"] = image.info["transparency"]
                image.save(out, "PNG", icc_profile=image.info.get("icc_profile"), **params)
            return out.getvalue()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own limit, met while reading the header of a very large image.
        raise ValidationError(
            f"The image has too many pixels; images may have at most {IMAGE_MAX_PIXELS // 1_000_000} million pixels",
            code="too_big",
        ) from None
    except (OSError, SyntaxError, ValueError, KeyError):
        raise _damaged(kind) from None


# ---------------------------------------------------------------------------------------------
# Active content in PDFs
#
# A PDF is read the way a reader reads it, token by token: names (/JavaScript, also written
# /J#61vaScript), strings and comments are told apart, each stream is skipped by its /Length, and
# object streams (objects stored compressed inside a stream, as WeasyPrint and Word write them) are
# decompressed, within PDF_MAX_INFLATED_BYTES for the whole file, and read object by object from the
# offsets a reader uses. What cannot be read that way (an object stream in another compression, an
# object hidden inside a string, comment or another stream, where only a reader jumping to its offset
# would find it) is refused, not guessed at. So are encrypted PDFs (their object streams cannot be
# read), and an /OpenAction other than "open at this page" (a destination or a GoTo action).

PDF_MAX_INFLATED_BYTES = 64 * 1024 * 1024

_PDF_TOKEN = re.compile(
    rb"[\x00\t\n\x0c\r ]*(?:(?P<comment>%[^\r\n]*)|(?P<string>\()|(?P<open><<)|(?P<close>>>)|(?P<hex><[^<>]*>)"
    rb"|(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)|(?P<word>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)|(?P<other>[()<>\[\]{}]))"
)
_PDF_STRING_PART = re.compile(rb"\\.|[()]", re.DOTALL)
_PDF_HASH = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_OBJECT = re.compile(
    rb"(?<![0-9])[0-9]+[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+obj(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
_PDF_ENDSTREAM = re.compile(rb"[\x00\t\n\x0c\r ]*endstream")
_PDF_ARRAY_NEXT = re.compile(rb"[\x00\t\n\x0c\r ]*\[")
_PDF_REFERENCE_NEXT = re.compile(
    rb"[\x00\t\n\x0c\r ]*([0-9]+)[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+R(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
_PDF_INTEGER = re.compile(rb"[\x00\t\n\x0c\r ]*([0-9]+)")

# Names that make a PDF do something by itself, or carry another file: what they are, in words.
_PDF_ACTIVE = {
    b"JavaScript": "scripts",
    b"JS": "scripts",
    b"XFA": "a form with scripts",
    b"AA": "actions that run by themselves",
    b"OpenAction": "actions that run by themselves",
    b"Launch": "an action that starts other programs",
    b"EmbeddedFile": "files hidden inside it",
    b"EmbeddedFiles": "files hidden inside it",
    b"FileAttachment": "files hidden inside it",
    b"RichMedia": "embedded media that can run programs",
    b"Rendition": "embedded media that can run programs",
    b"SubmitForm": "a form that sends information elsewhere",
    b"ImportData": "a form that reads in other files",
    b"GoToR": "links that open other files",
    b"GoToE": "links that open other files",
}


class _PdfUnreadable(Exception):
    pass


def _pdf_refused(name: bytes) -> ValidationError:
    if name == b"Encrypt":
        return ValidationError(
            "The PDF is protected (encrypted), so Involve cannot check what is inside it. "
            "Save a copy without the protection and upload that",
            code="encrypted",
        )
    return ValidationError(
        f"The PDF contains {_PDF_ACTIVE[name]}, which is not safe to keep. "
        "Print or save it again as a new PDF and upload the new copy",
        code="active",
    )


def _pdf_tokens(buf: bytes, start: int = 0, end: int | None = None, *, cut_ok: bool = False):
    """(kind, value, start, end) for each token of buf[start:end]; names come decoded, without the slash.

    With cut_ok, a string still open at `end` ends there (an object inside an object stream is read from
    its own offset, and may lie inside the string of the object before it)."""
    end = len(buf) if end is None else end
    pos = start
    while (m := _PDF_TOKEN.match(buf, pos, end)) is not None:
        kind = m.lastgroup
        first = m.start(kind)
        pos = m.end()
        value = None
        if kind == "string":
            depth = 1
            while depth:
                part = _PDF_STRING_PART.search(buf, pos, end)
                if part is None:
                    if not cut_ok:
                        raise _PdfUnreadable
                    pos = end
                    break
                depth += 1 if part.group() == b"(" else -1 if part.group() == b")" else 0
                pos = part.end()
        elif kind == "name":
            value = _PDF_HASH.sub(lambda h: bytes([int(h.group(1), 16)]), buf[first + 1 : pos])
        elif kind in ("word", "other"):
            value = buf[first:pos]
        start = yield kind, value, first, pos
        if start is not None:  # the caller skipped a stream's data
            pos = start
            yield None
    if buf[pos:end].strip(b"\x00\t\n\x0c\r "):
        raise _PdfUnreadable


class _PdfScan:
    """What one PDF's check has found so far."""

    def __init__(self):
        self.inflate_left = PDF_MAX_INFLATED_BYTES
        self.open_at = set()  # objects an /OpenAction refers to: each must turn out to be harmless
        self.places = {}  # object number → [(buffer, start, end)] for every definition of it seen

    def defined(self, number: int, buf: bytes, start: int, end: int):
        self.places.setdefault(number, []).append((buf, start, end))

    def name(self, name: bytes, buf: bytes, after: int):
        if name == b"OpenAction":
            # The page to open at runs nothing: a destination ([page /Fit]) or a GoTo action, given in
            # place or by reference, as LibreOffice and LaTeX write. Anything else is refused.
            if reference := _PDF_REFERENCE_NEXT.match(buf, after):
                self.open_at.add(int(reference.group(1)))
                return
            if _pdf_goes_to_a_page(buf, after, len(buf)):
                return
        if name in _PDF_ACTIVE or name == b"Encrypt":
            raise _pdf_refused(name)

    def finish(self):
        for number in self.open_at:
            places = self.places.get(number)
            if not places or not all(_pdf_goes_to_a_page(*place) for place in places):
                raise _pdf_refused(b"OpenAction")


def _pdf_goes_to_a_page(buf: bytes, start: int, end: int) -> bool:
    """Whether the object at `start` is a destination (an array) or a GoTo action with nothing after it."""
    tokens, depth = [], 0
    for kind, value, _, _ in _pdf_tokens(buf, start, end, cut_ok=True):
        if kind == "comment":
            continue
        if not tokens and (kind, value) == ("other", b"["):
            return True
        if not tokens and kind != "open":
            return False
        tokens.append((kind, value))
        depth += 1 if kind == "open" else -1 if kind == "close" else 0
        if depth == 0:
            entries = _pdf_dictionary(tokens)
            return entries.get(b"S") == [("name", b"GoTo")] and b"Next" not in entries
    return False


def _pdf_dictionary(tokens) -> dict:
    """The top-level entries of a dictionary, from its tokens (<< to >>): {name: [value tokens]}."""
    entries, i = {}, 1
    while i < len(tokens) - 1:
        kind, key = tokens[i]
        if kind != "name" or key in entries:
            raise _PdfUnreadable
        j, depth = i + 1, 0
        while True:
            kind, value = tokens[j]
            if kind == "open" or value == b"[":
                depth += 1
            elif kind == "close" or value == b"]":
                depth -= 1
            j += 1
            if depth <= 0:
                break
        if depth == 0 and j + 1 < len(tokens) and tokens[j][0] == "word" and tokens[j + 1] == ("word", b"R"):
            j += 2  # an indirect reference: 12 0 R
        entries[key] = tokens[i + 1 : j]
        i = j
    return entries


def _pdf_int(tokens) -> int | None:
    if tokens and len(tokens) == 1 and tokens[0][0] == "word" and tokens[0][1].isdigit():
        return int(tokens[0][1])
    return None


def _pdf_object_stream(content: bytes, entries: dict, scan: _PdfScan):
    """Read each object of an object stream from the offset its header gives (as readers do)."""
    declared = entries.get(b"Type") == [("name", b"ObjStm")] or b"First" in entries
    if not declared and content[36:40] == b"acsp":
        return  # an ICC colour profile, which has /N too, and is not an object stream for any reader
    count, first = _pdf_int(entries.get(b"N")), _pdf_int(entries.get(b"First", [("word", b"0")]))
    if count is None or first is None:
        raise _PdfUnreadable
    offsets, pos = [], 0
    for _ in range(2 * count):
        m = _PDF_INTEGER.match(content, pos)
        if m is None:
            if declared:
                raise _PdfUnreadable
            return  # no object stream header: not an object stream for any reader
        offsets.append(int(m.group(1)))
        pos = m.end()
    numbers = {}
    for number, offset in zip(offsets[::2], offsets[1::2], strict=True):
        numbers.setdefault(first + offset, []).append(number)
    starts = sorted(numbers)
    if starts and starts[-1] > len(content):
        raise _PdfUnreadable
    for here, there in zip(starts, [*starts[1:], len(content)], strict=True):
        first_token = None
        for kind, value, _, end in _pdf_tokens(content, here, there, cut_ok=True):
            if first_token is None and kind != "comment":
                first_token = (kind, value)
                for number in numbers[here]:
                    scan.defined(number, content, here, there)
            if kind == "name":
                scan.name(value, content, end)
            elif kind == "word" and value == b"stream":
                raise _PdfUnreadable


def _pdf_stream(data: bytes, pos: int, entries: dict, scan: _PdfScan) -> int:
    """Skip one stream's data (checking inside it if it holds objects); gives where reading goes on."""
    if data.startswith(b"\r\n", pos):
        pos += 2
    elif data[pos : pos + 1] in (b"\n", b"\r"):
        pos += 1
    length = _pdf_int(entries.get(b"Length"))
    stop = after = None
    if length is not None and (m := _PDF_ENDSTREAM.match(data, pos + length)):
        stop, after = pos + length, m.end()
    else:
        # An indirect /Length (12 0 R, as LibreOffice writes) or a wrong one: the first endstream. If
        # that is early, what follows is read as PDF and anything hidden there is found or refused.
        stop = data.find(b"endstream", pos)
        if stop == -1:
            raise _PdfUnreadable
        after = stop + len(b"endstream")
    if _PDF_OBJECT.search(data, pos, stop):
        raise _PdfUnreadable  # an object inside a stream's data, reachable only by jumping to it
    if entries.get(b"Type") == [("name", b"ObjStm")] or b"First" in entries or b"N" in entries:
        filters = entries.get(b"Filter", [])
        names = [v for k, v in filters if k == "name"]
        if names not in ([], [b"FlateDecode"]) or b"DecodeParms" in entries:
            raise _PdfUnreadable
        content = data[pos:stop]
        if names:
            inflater = zlib.decompressobj()
            try:
                content = inflater.decompress(content, scan.inflate_left + 1)
            except zlib.error:
                raise _PdfUnreadable from None
            if len(content) > scan.inflate_left:
                raise _PdfUnreadable
            scan.inflate_left -= len(content)
        _pdf_object_stream(content, entries, scan)
    return after


def _check_pdf(data: bytes):
    """Refuse a PDF that can run scripts or actions, or carries files, or that cannot be read to tell."""
    scan = _PdfScan()
    tokens = _pdf_tokens(data)
    depth, current, last_dictionary = 0, None, None
    recent = [None, None, None]  # the last three tokens, to see "12 0 obj" and what follows it
    try:
        for kind, value, start, end in tokens:
            if kind in ("string", "comment", "hex") and _PDF_OBJECT.search(data, start, end):
                raise _PdfUnreadable  # an object inside a string or comment, found only by its offset
            if kind == "name":
                scan.name(value, data, end)
            elif kind == "word" and value == b"stream":
                if last_dictionary is None:
                    raise _PdfUnreadable
                tokens.send(_pdf_stream(data, end, _pdf_dictionary(last_dictionary), scan))
                last_dictionary = None
                continue
            if kind == "comment":
                continue
            if recent[2] == ("word", b"obj") and recent[0] and recent[0][0] == "word" and recent[0][1].isdigit():
                scan.defined(int(recent[0][1]), data, start, len(data))
            recent = [*recent[1:], (kind, value)]
            if kind == "open":
                depth += 1
                if depth == 1:
                    current = []
            if depth:
                current.append((kind, value))
            last_dictionary = None
            if kind == "close":
                if depth == 0:
                    raise _PdfUnreadable
                depth -= 1
                if depth == 0:
                    last_dictionary = current
        scan.finish()
    except (_PdfUnreadable, IndexError):
        raise ValidationError(
            "Involve cannot check what is inside this PDF, so it cannot keep it. "
            "Print or save it again as a new PDF and upload the new copy",
            code="unchecked",
        ) from None


def _sniff(data: bytes, kinds) -> tuple[str, FileKind | None]:
    """(libmagic's MIME type, the allowed kind the content is, if any). Binary kinds only."""
    mime = magic.from_buffer(data[: 256 * 1024], mime=True)
    if data.startswith(b"PK\x03\x04"):
        kind = _check_zip(data, kinds)
        told = _MAGIC_KIND.get(mime)
        if told is not None and told is not kind:
            raise ValidationError(
                f"The file's contents disagree about what it is ({told.article} or "
                f"{kind.article}). {allowed_sentence(kinds)}",
                code="polyglot",
            )
        if told is None and mime not in _ZIPPISH:
            raise _wrong_type(_DESCRIPTIONS.get(mime), None, kinds)
        return mime, kind
    if mime == "application/pdf" and data.startswith(b"%PDF-"):
        return mime, PDF
    if mime == "image/png" and data.startswith(b"\x89PNG\r\n\x1a\n"):
        return mime, PNG
    if mime == "image/jpeg" and data.startswith(b"\xff\xd8\xff"):
        return mime, JPEG
    if mime == "application/pdf":
        # libmagic finds "%PDF" anywhere in the first kilobyte; a real PDF starts with it.
        mime = "text/html" if _HTML_START.match(data) else "application/octet-stream"
    return mime, None


def check_upload(file, *, kinds=ALL_KINDS, max_bytes: int | None = None) -> CheckedFile:
    """Check an uploaded file (a Django UploadedFile or any file object with a name).

    Returns a CheckedFile to store, or raises ValidationError with a message a person understands.
    """
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    given_name = str(getattr(file, "name", "") or "")
    if has_bidi_controls(given_name) or has_bidi_controls(html.unescape(given_name)):
        # Refused rather than cleaned: the name is what people see, and it was made to mislead them.
        raise ValidationError(
            "The file's name contains hidden characters that change the direction of text, which can "
            "disguise what kind of file it is. Rename the file and upload it again",
            code="name",
        )
    original_name = sanitise_filename(given_name)
    data = _read(file, max_bytes)
    if not data:
        raise ValidationError("The selected file is empty", code="empty")

    extension = _extension(original_name)
    expected = next((k for k in ALL_KINDS if extension in k.extensions), None)

    mime, kind = _sniff(data, kinds)
    if kind is None and mime.startswith("text/") and mime not in _ACTIVE_TEXT and b"\0" not in data:
        if _HTML_START.match(data[:1024]):
            mime = "text/html"
        else:
            # CSV and plain text look alike; the name decides which of the two it is.
            kind = CSV if extension == ".csv" else TEXT
    if kind is None:
        if mime == "application/x-empty":
            raise ValidationError("The selected file is empty", code="empty")
        raise _wrong_type(_DESCRIPTIONS.get(mime), expected, kinds)

    if kind not in kinds:
        raise _wrong_type(kind.article, None, kinds)
    if extension not in kind.extensions:
        if kind in (CSV, TEXT) and expected in (CSV, TEXT) and expected in kinds:
            kind = expected
        else:
            ending = f"ends {extension}" if extension else "has no ending such as .pdf"
            raise ValidationError(
                f"The file is {kind.article} but its name {ending}. Rename it to end {kind.extensions[0]} "
                "and upload it again",
                code="extension",
            )

    if kind in (PDF, PNG, JPEG):
        # Office files are skipped: their parts may legitimately be SVG, and a browser never sniffs the
        # middle of a file that starts with a ZIP header.
        if _HTML_ANYWHERE.search(data):
            raise ValidationError(
                f"The file is {kind.article} with web page code hidden inside it, which is not safe to keep. "
                f"Save it again as {kind.article} and upload the new copy",
                code="polyglot",
            )
        if zipfile.is_zipfile(io.BytesIO(data)):
            raise ValidationError(
                f"The file is {kind.article} with a ZIP archive hidden inside it, which is not safe to keep. "
                f"Save it again as {kind.article} and upload the new copy",
                code="polyglot",
            )
    if kind is PDF:
        _check_pdf(data)
    if kind in (PNG, JPEG):
        data = _reencode_image(data, kind)

    return CheckedFile(
        content=data,
        original_name=original_name,
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# ---------------------------------------------------------------------------------------------
# Storage

_FOLDER = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+)*")


def random_name(folder: str) -> str:
    """A new storage name in `folder` (such as "evidence/12"): 128 random bits, no extension."""
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"Not a safe storage folder: {folder!r}")
    return f"{folder}/{secrets.token_hex(16)}"


def store(checked: CheckedFile, *, folder: str = "", name: str = "") -> str:
    """Save a checked file under a random name in `folder`, or under `name` from random_name().

    Gives back the name it was stored under.
    """
    return default_storage.save(name or random_name(folder), ContentFile(checked.content))


def delete_stored(name: str) -> None:
    if name:
        default_storage.delete(name)


class UploadField(forms.FileField):
    """A form field whose cleaned value is a CheckedFile (or None when not required and left empty)."""

    default_error_messages = {
        "required": "Select a file",
        "empty": "The selected file is empty",
        "invalid": "Select a file",
        "missing": "Select a file",
    }

    def __init__(self, *, kinds=ALL_KINDS, max_bytes=None, **kwargs):
        self.kinds = kinds
        self.max_bytes = max_bytes

        def hint():
            limit = _megabytes(max_bytes or settings.UPLOAD_MAX_BYTES)
            return f"{allowed_sentence(kinds).replace('Upload', 'A', 1)}, up to {limit}"

        # Lazy, so the limit shown is the one in force when the page is drawn, not at import.
        kwargs.setdefault("help_text", lazy(hint, str)())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded:
            return None
        return check_upload(uploaded, kinds=self.kinds, max_bytes=self.max_bytes)
