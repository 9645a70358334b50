"""Upload checks (core/uploads.py): good files of every allowed type, and a generated malicious set.

The builders here are reused by tests/engagement/test_evidence.py to send the same set through the
real upload view.
"""

import io
import struct
import unicodedata
import zipfile
import zlib

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from involve.core import uploads

MB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Builders for good files


def minimal_pdf(text: str = "Evidence of involvement") -> bytes:
    """A small but valid one-page PDF with a line of text, written by hand (no PDF library needed)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 20 100 Td (" + escaped + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def docx_bytes(text: str = "Workshop notes") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Question", "Responses"])
    workbook.active.append(["Travel to the new site", 42])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        b'"/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.'
        b'presentation.main+xml"/></Types>'
    )
    return _zip(
        {
            "[Content_Types].xml": content_types,
            "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"/>',
            "ppt/presentation.xml": b'<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats'
            b'.org/presentationml/2006/main"/>',
        }
    )


def odf_bytes(mimetype: str) -> bytes:
    return _zip(
        {
            "mimetype": mimetype.encode(),
            "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            b'opendocument:xmlns:office:1.0"/>',
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest '
            b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        },
        stored_first="mimetype",
    )


def image_bytes(fmt: str, exif_gps: bool = False) -> bytes:
    image = Image.new("RGB", (40, 30), (0, 94, 184))
    buffer = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD: where the photo was taken
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def good_files() -> dict[str, tuple[str, bytes, str]]:
    """name → (file name, bytes, the content type it is stored with)."""
    return {
        "pdf": ("Workshop report.pdf", minimal_pdf(), "application/pdf"),
        "docx": ("Notes.docx", docx_bytes(), uploads.DOCX.content_type),
        "xlsx": ("Survey results.xlsx", xlsx_bytes(), uploads.XLSX.content_type),
        "pptx": ("Slides.pptx", pptx_bytes(), uploads.PPTX.content_type),
        "odt": ("Minutes.odt", odf_bytes(uploads.ODT.content_type), uploads.ODT.content_type),
        "ods": ("Attendance.ods", odf_bytes(uploads.ODS.content_type), uploads.ODS.content_type),
        "csv": (
            "responses.csv",
            'date,comment\n2025-03-01,"Parking, again"\n2025-03-02,Café was shut\n'.encode(),
            "text/csv",
        ),
        "txt": ("notes.txt", b"Plain notes from the drop-in session.\nThanks to everyone who came.\n", "text/plain"),
        "png": ("flipchart.png", image_bytes("PNG"), "image/png"),
        "jpeg": ("photo.jpeg", image_bytes("JPEG"), "image/jpeg"),
        "jpg": ("photo.jpg", image_bytes("JPEG", exif_gps=True), "image/jpeg"),
    }


# ---------------------------------------------------------------------------------------------
# Builders for the malicious set


HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?c='+document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script></svg>"
)


def zip_bomb_ratio() -> bytes:
    """A .docx whose one extra part is 20 MB of zeros compressed to about 20 KB (ratio ~1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/bomb.bin", b"\0" * (20 * MB))
    return buffer.getvalue()


def zip_bomb_lying() -> bytes:
    """A .docx whose part says it is 100 bytes but expands to 4 MB: the sizes in both headers are forged."""
    real = b"\0" * (4 * MB)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", real)
    data = bytearray(buffer.getvalue())
    forged = struct.pack("<I", 100)
    # Local header: uncompressed size at offset 22; central directory entry: at offset 24.
    start = 0
    while (i := data.find(b"PK\x03\x04", start)) != -1:
        name_len = struct.unpack("<H", data[i + 26 : i + 28])[0]
        if data[i + 30 : i + 30 + name_len] == b"word/document.xml":
            data[i + 22 : i + 26] = forged
        start = i + 4
    start = 0
    while (i := data.find(b"PK\x01\x02", start)) != -1:
        name_len = struct.unpack("<H", data[i + 28 : i + 30])[0]
        if data[i + 46 : i + 46 + name_len] == b"word/document.xml":
            data[i + 24 : i + 28] = forged
        start = i + 4
    return bytes(data)


def zip_many_entries() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        for n in range(uploads.ZIP_MAX_ENTRIES + 1):
            archive.writestr(f"xl/p/{n}", b"")
    return buffer.getvalue()


def zip_encrypted() -> bytes:
    """A .docx whose parts claim to be encrypted (general-purpose flag bit 0 set in both headers)."""
    data = bytearray(docx_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(signature, start)) != -1:
            data[i + offset] |= 0x1
            start = i + 4
    return bytes(data)


def docx_with_macros() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return buffer.getvalue()


def png_pixel_bomb() -> bytes:
    """A tiny PNG whose header claims 30,000 × 30,000 pixels (900 million: gigabytes once decoded)."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    )


def malicious_files(max_bytes: int) -> dict[str, tuple[str, bytes]]:
    """name → (file name, bytes). Every one must be rejected; none may be stored."""
    jpeg = image_bytes("JPEG")
    pdf = minimal_pdf()
    return {
        "oversized pdf": ("big.pdf", pdf + b"%" * (max_bytes + 1 - len(pdf))),
        "empty file": ("empty.pdf", b""),
        "html renamed .pdf": ("report.pdf", HTML),
        "html renamed .csv": ("responses.csv", HTML),
        "html with bom and spaces renamed .csv": ("responses.csv", b"\xef\xbb\xbf  \n<script>alert(1)</script>"),
        "html renamed .txt": ("notes.txt", b"<html><body onload=alert(1)>hi</body></html>"),
        "html before %PDF (libmagic says PDF)": ("report.pdf", b"<html><script>alert(1)</script></html>\n" + pdf),
        "svg with script": ("chart.svg", SVG),
        "svg renamed .png": ("chart.png", SVG),
        "xml renamed .txt": ("data.txt", b'<?xml version="1.0"?><data><x>1</x></data>'),
        "polyglot jpeg/html": ("photo.jpg", jpeg[:-2] + b"<html><script>alert(1)</script></html>" + jpeg[-2:]),
        "polyglot pdf/html": ("report.pdf", pdf.replace(b"%%EOF", b"<script>alert(1)</script>\n%%EOF")),
        "polyglot pdf/zip": ("report.pdf", pdf + _zip({"payload.html": HTML})),
        "polyglot png/zip": ("image.png", image_bytes("PNG") + _zip({"payload.html": HTML})),
        "zip bomb .docx (ratio)": ("bomb.docx", zip_bomb_ratio()),
        "zip bomb .docx (forged sizes)": ("bomb.docx", zip_bomb_lying()),
        "zip bomb .xlsx (too many parts)": ("many.xlsx", zip_many_entries()),
        "encrypted .docx": ("secret.docx", zip_encrypted()),
        "docx with macros": ("macro.docx", docx_with_macros()),
        "plain zip renamed .docx": ("archive.docx", _zip({"a.txt": b"hello"})),
        "odf with unknown mimetype": ("x.odt", odf_bytes("application/vnd.oasis.opendocument.graphics")),
        "png pixel bomb": ("huge.png", png_pixel_bomb()),
        "truncated png": ("broken.png", image_bytes("PNG")[:60]),
        "windows exe renamed .pdf": ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500),
        "elf program renamed .docx": ("tool.docx", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 500),
        "bidi-spoofed exe name": ("invoice\u202efdp.exe", b"MZ\x90\x00" + b"\x00" * 500),
        "double extension report.pdf.html": ("report.pdf.html", HTML),
        "double extension with real pdf": ("report.pdf.html", pdf),
        "docx renamed .pdf": ("report.pdf", docx_bytes()),
        "rtf renamed .txt": ("letter.txt", b"{\\rtf1\\ansi {\\object\\objemb hello}}"),
        "binary with nul bytes as .csv": ("data.csv", b"a,b\n\0\0\0\x01\x02"),
        "gif image": ("animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        "javascript as .txt": ("app.txt", b"<script src=https://evil.example/x.js></script>"),
        "path traversal name with html": ("../../x.pdf", HTML),
        "nul in name with html": ("report.pdf\x00.html", HTML),
    }


# Hostile names on good content: the name is neutralised (never a path), the file is kept.
HOSTILE_NAMES = {
    "../../x.pdf": "x.pdf",
    "..\\..\\windows\\x.pdf": "x.pdf",
    "report\x00.pdf": "report.pdf",
    "re\x07po\x1brt.pdf": "report.pdf",
    ".hidden.pdf": "hidden.pdf",
    "minutes\u202etxt.pdf": "minutestxt.pdf",
    "a" * 300 + ".pdf": "a" * (uploads.NAME_MAX_LENGTH - 4) + ".pdf",
    'what?<is>"this"|*.pdf': "what__is__this___.pdf",
}


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")  # the browser's word is ignored


# ---------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("key", list(good_files()))
def test_good_files_of_every_allowed_type_are_accepted(settings, key):
    name, data, content_type = good_files()[key]
    checked = uploads.check_upload(upload(name, data))
    assert checked.content_type == content_type
    assert checked.original_name == name
    assert checked.size == len(checked.content)
    import hashlib

    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    if content_type.startswith("image/"):
        # Images are decoded and saved again; the result is still a valid image of the same size.
        assert Image.open(io.BytesIO(checked.content)).size == (40, 30)
    else:
        assert checked.content == data


def test_a_cut_off_image_is_refused_even_after_weasyprint_is_imported():
    # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    for name, data in (("a.png", image_bytes("PNG")), ("a.jpg", image_bytes("JPEG"))):
        with pytest.raises(ValidationError, match="cannot be opened"):
            uploads.check_upload(upload(name, data[: len(data) * 2 // 3]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_images_lose_their_metadata():
    name, data, _ = good_files()["jpg"]
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)
    checked = uploads.check_upload(upload(name, data))
    assert not Image.open(io.BytesIO(checked.content)).getexif()


MALICIOUS = malicious_files(max_bytes=1 * MB)


@pytest.mark.parametrize("key", list(MALICIOUS))
def test_every_malicious_file_is_rejected_with_a_plain_message(key):
    name, data = MALICIOUS[key]
    with pytest.raises(ValidationError) as excinfo:
        uploads.check_upload(upload(name, data), max_bytes=1 * MB)
    message = excinfo.value.messages[0]
    assert message and "<" not in message and "Traceback" not in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "html renamed .pdf",
            "The file is an HTML page, not a PDF. Upload a PDF, Word, Excel, PowerPoint, "
            "OpenDocument, CSV, plain text, PNG or JPEG file",
        ),
        ("html renamed .csv", "The file is an HTML page, not a CSV file."),
        ("html before %PDF (libmagic says PDF)", "The file is an HTML page, not a PDF."),
        ("svg with script", "The file is an SVG image. Upload a PDF"),
        ("oversized pdf", "The selected file must be smaller than 1 MB"),
        ("empty file", "The selected file is empty"),
        ("zip bomb .docx (ratio)", "zip bomb"),
        ("zip bomb .docx (forged sizes)", "The file looks like a Word document but cannot be opened"),
        ("zip bomb .xlsx (too many parts)", "zip bomb"),
        ("polyglot jpeg/html", "web page code hidden inside it"),
        ("polyglot pdf/zip", "ZIP archive hidden inside it"),
        ("docx with macros", "macros"),
        ("encrypted .docx", "password"),
        ("windows exe renamed .pdf", "The file is a Windows program, not a PDF."),
        ("double extension with real pdf", "The file is a PDF but its name ends .html. Rename it to end .pdf"),
        ("docx renamed .pdf", "The file is a Word document but its name ends .pdf"),
        ("png pixel bomb", "million pixels"),
    ],
)
def test_messages_say_what_is_wrong(key, expected):
    name, data = MALICIOUS[key]
    with pytest.raises(ValidationError) as excinfo:
        uploads.check_upload(upload(name, data), max_bytes=1 * MB)
    assert expected in excinfo.value.messages[0]


def test_size_is_checked_before_reading_when_the_upload_declares_it():
    class Declared(io.BytesIO):
        size = 10 * MB
        name = "big.pdf"

        def read(self, *args):
            raise AssertionError("read although the declared size was already too big")

        chunks = read

    with pytest.raises(ValidationError, match="smaller than"):
        uploads.check_upload(Declared(), max_bytes=1 * MB)


def test_size_is_checked_while_reading_when_the_upload_understates_it():
    lying = SimpleUploadedFile("big.pdf", minimal_pdf() + b"%" * (2 * MB))
    lying.size = 10
    with pytest.raises(ValidationError, match="smaller than"):
        uploads.check_upload(lying, max_bytes=1 * MB)


def test_the_limit_comes_from_settings(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="smaller than 0 KB|smaller than 1 KB|smaller than"):
        uploads.check_upload(upload("a.pdf", minimal_pdf() + b"%" * 2000))


def test_only_the_kinds_asked_for_are_accepted():
    with pytest.raises(ValidationError, match="The file is a PDF. Upload a CSV or Excel file"):
        uploads.check_upload(upload("a.pdf", minimal_pdf()), kinds=(uploads.CSV, uploads.XLSX))
    assert uploads.check_upload(upload("a.xlsx", xlsx_bytes()), kinds=(uploads.CSV, uploads.XLSX))


@pytest.mark.parametrize(("name", "expected"), list(HOSTILE_NAMES.items()))
def test_hostile_names_are_neutralised_and_never_used_on_disk(settings, name, expected):
    # A plain file object: Django's own upload classes would already have cut the folders off.
    file = io.BytesIO(minimal_pdf())
    file.name = name
    checked = uploads.check_upload(file)
    assert checked.original_name == expected
    stored = uploads.store(checked, folder="evidence/1")
    assert stored.startswith("evidence/1/")
    leaf = stored.rsplit("/", 1)[1]
    assert len(leaf) == 32 and all(c in "0123456789abcdef" for c in leaf)
    assert expected not in stored


def test_store_refuses_an_unsafe_folder():
    checked = uploads.check_upload(upload("a.pdf", minimal_pdf()))
    for folder in ("../x", "/etc", "evidence/../../x", "Evidence", "evidence/"):
        with pytest.raises(ValueError):
            uploads.store(checked, folder=folder)


def test_csv_and_text_follow_the_name():
    data = b"a,b\n1,2\n"
    assert uploads.check_upload(upload("x.csv", data)).content_type == "text/csv"
    assert uploads.check_upload(upload("x.txt", data)).content_type == "text/plain"


def test_upload_field_gives_a_checked_file_or_the_message():
    from django import forms

    class Form(forms.Form):
        file = uploads.UploadField(max_bytes=1 * MB)

    good = Form(files={"file": upload("a.pdf", minimal_pdf())})
    assert good.is_valid(), good.errors
    assert isinstance(good.cleaned_data["file"], uploads.CheckedFile)
    missing = Form(files={})
    assert not missing.is_valid() and missing.errors["file"] == ["Select a file"]
    bad = Form(files={"file": upload("a.pdf", HTML)})
    assert not bad.is_valid() and bad.errors["file"][0].startswith("The file is an HTML page, not a PDF")


# ---------------------------------------------------------------------------------------------
# The name sanitiser, for any text at all


@given(st.text())
def test_sanitised_names_are_safe_for_any_input(name):
    clean = uploads.sanitise_filename(name)
    assert clean
    assert "/" not in clean and "\\" not in clean and "\0" not in clean
    assert not any(unicodedata.category(c)[0] == "C" for c in clean)
    assert not clean.startswith(".") and not clean.endswith((".", " "))
    assert clean not in (".", "..")
    assert len(clean) <= uploads.NAME_MAX_LENGTH
    assert uploads.sanitise_filename(clean) == clean


@given(st.lists(st.sampled_from(["..", ".", "/", "\\", "\0", "\n", "a", "pdf", "\u202e", " "]), max_size=30))
def test_sanitised_names_from_path_pieces(pieces):
    clean = uploads.sanitise_filename("".join(pieces))
    assert ".." not in clean.split("/") and "/" not in clean and "\\" not in clean


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_ordinary_names_keep_their_extension(stem):
    clean = uploads.sanitise_filename(f"{stem}.pdf")
    assert clean.endswith(".pdf") or clean == "pdf"
