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
6. PNG and JPEG images are decoded and saved again, which drops hidden content and metadata such as
   a phone's GPS location; the pixel count is limited before decoding.

The file's name is only ever shown to people (after sanitise_filename()); on disk every file has a
random name (secrets.token_hex) under a folder chosen by the caller.
"""

import contextlib
import hashlib
import io
import re
import secrets
import threading
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

import magic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.functional import lazy
from PIL import Image, ImageFile, ImageOps


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


def _check_zip(data: bytes, kinds) -> FileKind:
    """Which Office or OpenDocument kind a ZIP container is, after checking it is safe to open."""
    generic = FileKind("zip", "ZIP", "an Office or OpenDocument file", "application/zip", (".zip",))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
        raise _damaged(generic) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ValidationError(
            f"The file holds {len(entries):,} parts; documents may hold at most {ZIP_MAX_ENTRIES:,}. "
            "It may be a zip bomb, which is not safe to open",
            code="zip_bomb",
        )
    expanded = sum(e.file_size for e in entries)
    if expanded > ZIP_MAX_EXPANDED_BYTES or expanded > ZIP_MAX_RATIO * max(len(data), 1):
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
            raise ValidationError(
                "The file contains macros, which can run programs. Save it without macros "
                "(as .docx, .xlsx or .pptx) and upload it again",
                code="macros",
            )

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
    try:
        for entry in entries:
            with archive.open(entry) as part:
                while part.read(1024 * 1024):
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
    original_name = sanitise_filename(getattr(file, "name", "") or "")
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
