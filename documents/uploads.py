"""Reading an uploaded paper: what it really is, and the PDF the members will read.

The type is read from the content, never from the name or the browser's content type: a PDF
starts with `%PDF-`; Word 97-2003 and PowerPoint 97-2003 files are OLE2 containers; Word,
PowerPoint and OpenDocument files of today are zip archives whose members say what they are.
A file whose name claims one type and whose content is another is refused, as are damaged
files and files protected by a password (which the members' tablets could not open either).
Office and OpenDocument files are converted to PDF with LibreOffice, headless, in a profile of
their own so that conversions can run side by side.

Nothing here touches the database or the file storage: a refused upload leaves no trace.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOC = "application/msword"
PPT = "application/vnd.ms-powerpoint"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# What a file's name may claim, and the types its content may then be.
CLAIMS: dict[str, frozenset[str]] = {
    ".pdf": frozenset({PDF}),
    ".doc": frozenset({DOC, DOCX}),
    ".docx": frozenset({DOCX, DOC}),
    ".ppt": frozenset({PPT, PPTX}),
    ".pptx": frozenset({PPTX, PPT}),
    ".odt": frozenset({ODT}),
    ".odp": frozenset({ODP}),
    ".ods": frozenset({ODS}),
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """The upload cannot become a document; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReadPdf:
    """An upload read and, where needed, converted: the PDF to store and what it holds."""

    content: bytes = field(repr=False)
    sha256: str
    size: int
    pages: int
    page_digests: list[str]
    original_name: str
    original_type: str


def read_upload(file: UploadedFile) -> ReadPdf:
    """Read an uploaded file as a PDF, converting Office and OpenDocument files first.

    Raises UploadRefused when the file is too large, not a supported type, not what its name
    says, damaged, protected by a password, or when it cannot be converted.
    """
    limit = max_upload_bytes()
    name = os.path.basename(file.name or "") or _("document")
    if file.size is not None and file.size > limit:
        raise UploadRefused(too_large_message(limit))
    with tempfile.TemporaryDirectory(prefix="upload-") as work:
        source = Path(work) / "upload"
        written = _write(file, source, limit)
        if written == 0:
            raise UploadRefused(_("The file is empty."))
        kind = sniff(source)
        if kind is None:
            raise UploadRefused(
                _(
                    "This is not a PDF, Word, PowerPoint or OpenDocument file. Save it as PDF "
                    "and upload it again."
                )
            )
        extension = Path(name).suffix.lower()
        if extension in CLAIMS and kind not in CLAIMS[extension]:
            raise UploadRefused(
                _("The file is named “%(name)s” but its content is not a %(extension)s file.")
                % {"name": name, "extension": extension.lstrip(".").upper()}
            )
        if kind == PDF:
            pdf_path = source
        else:
            _refuse_protected_office(source, kind)
            pdf_path = convert_to_pdf(source, Path(work))
        content = pdf_path.read_bytes()
    pages, digests = read_pdf(content)
    return ReadPdf(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=pages,
        page_digests=digests,
        original_name=name[:255],
        original_type=kind,
    )


def max_upload_bytes() -> int:
    return int(settings.DOCUMENTS_MAX_UPLOAD_BYTES)


def too_large_message(limit: int) -> str:
    return _("The file is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}


def _write(file: UploadedFile, target: Path, limit: int) -> int:
    """Copy the upload to a file of our own, stopping as soon as it passes the limit (the
    declared size of an upload is not to be trusted)."""
    written = 0
    file.seek(0)
    with target.open("wb") as out:
        for chunk in file.chunks(CHUNK):
            written += len(chunk)
            if written > limit:
                raise UploadRefused(too_large_message(limit))
            out.write(chunk)
    return written


def sniff(path: Path) -> str | None:
    """The file's type read from its content, or None when it is none of the supported ones."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    # Containers are known by their first bytes; a PDF's header may follow some junk (readers
    # accept up to 1 KiB of it), so it is looked for last.
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(path)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if b"%PDF-" in head:
        return PDF
    return None


def _ole2_streams(path: Path) -> Iterator[str]:
    """The names of the well-known streams an OLE2 container holds. Directory entries store
    their names in UTF-16; looking for those few names is enough to tell the formats apart
    without an OLE2 parser."""
    data = path.read_bytes()
    for stream in ("WordDocument", "PowerPoint Document", "EncryptedPackage", "Workbook"):
        if stream.encode("utf-16-le") in data:
            yield stream


def _ole2_kind(path: Path) -> str | None:
    streams = set(_ole2_streams(path))
    if "EncryptedPackage" in streams:
        # A password-protected .docx or .pptx is an OLE2 container holding the encrypted zip.
        raise UploadRefused(_password_message())
    if "WordDocument" in streams:
        return DOC
    if "PowerPoint Document" in streams:
        return PPT
    return None


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype in {ODT, ODP, ODS}:
                    return mimetype
                return None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "ppt/presentation.xml" in names:
                    return PPTX
    except (zipfile.BadZipFile, OSError, KeyError):
        raise UploadRefused(_damaged_message()) from None
    return None


def _refuse_protected_office(path: Path, kind: str) -> None:
    """An encrypted OpenDocument file says so in its manifest; LibreOffice would otherwise
    stop at a password prompt nobody can answer."""
    if kind not in {ODT, ODP, ODS}:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = archive.read("META-INF/manifest.xml")
    except (zipfile.BadZipFile, OSError, KeyError):
        raise UploadRefused(_damaged_message()) from None
    if b"encryption-data" in manifest:
        raise UploadRefused(_password_message())


def _password_message() -> str:
    return _(
        "The file is protected by a password. Remove the protection, save it and upload it again."
    )


def _damaged_message() -> str:
    return _(
        "The file is damaged and cannot be read. Save it again from the program that made it "
        "and upload it again."
    )


def soffice() -> str | None:
    """The LibreOffice command, if it is installed."""
    return shutil.which(settings.DOCUMENTS_SOFFICE)


def convert_to_pdf(source: Path, work: Path) -> Path:
    """Convert an Office or OpenDocument file to PDF with LibreOffice, headless."""
    command = soffice()
    if command is None:
        raise UploadRefused(
            _(
                "Word, PowerPoint and OpenDocument files cannot be converted on this server "
                "(LibreOffice is not installed). Upload the paper as PDF."
            )
        )
    profile = work / "profile"
    out = work / "out"
    out.mkdir()
    try:
        completed = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
            [
                command,
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--nodefault",
                f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(source),
            ],
            capture_output=True,
            timeout=settings.DOCUMENTS_CONVERT_SECONDS,
            check=False,
            env={**os.environ, "HOME": str(work)},
        )
    except subprocess.TimeoutExpired:
        raise UploadRefused(
            _("Converting the file to PDF took too long. Save it as PDF and upload that.")
        ) from None
    converted = out / "upload.pdf"
    if completed.returncode != 0 or not converted.exists() or converted.stat().st_size == 0:
        raise UploadRefused(
            _(
                "The file could not be converted to PDF: it may be damaged or protected by a "
                "password. Save it as PDF and upload that."
            )
        )
    return converted


def read_pdf(content: bytes) -> tuple[int, list[str]]:
    """The number of pages and the page digests of a PDF; refuses damaged, encrypted and
    empty ones, ones with more than DOCUMENTS_MAX_PAGES pages, and ones whose reading needs
    more than DOCUMENTS_PDF_MEMORY_BYTES of memory or DOCUMENTS_PDF_SECONDS (decompression
    bombs). The PDF is read in a child process with those limits (documents.pdfcheck)."""
    seconds = float(settings.DOCUMENTS_PDF_SECONDS)
    try:
        completed = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
            [
                *_limited(seconds),
                sys.executable,
                "-m",
                "documents.pdfcheck",
                str(settings.DOCUMENTS_MAX_PAGES),
            ],
            input=content,
            capture_output=True,
            timeout=seconds,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
        answer = json.loads(completed.stdout) if completed.returncode == 0 else {"refused": "bomb"}
    except (subprocess.TimeoutExpired, ValueError):
        # Killed at a limit, or out of memory before it could answer.
        answer = {"refused": "bomb"}
    refused = answer.get("refused")
    if refused is not None:
        raise UploadRefused(_refusal_message(refused))
    return int(answer["pages"]), list(answer["digests"])


def _limited(seconds: float) -> list[str]:
    """The command prefix that runs a command with the reading limits: util-linux's prlimit
    sets them in the child itself (a preexec_fn is unsafe in the server's threads)."""
    return [
        shutil.which("prlimit") or "prlimit",
        f"--as={int(settings.DOCUMENTS_PDF_MEMORY_BYTES)}",
        f"--cpu={max(1, math.ceil(seconds))}",
    ]


def _refusal_message(reason: str) -> str:
    if reason == "password":
        return _password_message()
    if reason == "empty":
        return _("The PDF has no pages.")
    if reason == "pages":
        return _("The PDF has more than %(count)d pages. Split it into several papers.") % {
            "count": settings.DOCUMENTS_MAX_PAGES
        }
    if reason == "bomb":
        return _(
            "The PDF takes too much memory or time to read (it may hide very large compressed "
            "content). Print it to a new PDF and upload that."
        )
    return _damaged_message()


# The digest of each shared stream's data (fonts, images), by object: pages share their fonts,
# and a large font is decoded once per file rather than once per page.
StreamDigests = dict[tuple[int, int], tuple[bytes, bool]]


def page_digest(page: pikepdf.Page, streams: StreamDigests | None = None) -> str:
    """A SHA-256 of what the page shows: its content streams, its resources (fonts, images,
    forms, by content rather than by object number) and its boxes and rotation. An unchanged
    page in a new version has the same digest, wherever it sits in the new file."""
    streams = {} if streams is None else streams
    digest = hashlib.sha256()
    obj = page.obj
    for key in ("/MediaBox", "/CropBox", "/Rotate"):
        if key in obj:
            digest.update(key.encode() + repr(obj[key]).encode())
    for stream in _content_streams(obj.get(pikepdf.Name.Contents)):
        digest.update(b"content")
        digest.update(stream.read_bytes())
    resources = obj.get(pikepdf.Name.Resources)
    if resources is not None:
        digest.update(b"resources")
        _digest_object(resources, digest, set(), streams)
    return digest.hexdigest()


def _content_streams(contents: object) -> list[pikepdf.Stream]:
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    if isinstance(contents, pikepdf.Array):
        return [item for item in contents if isinstance(item, pikepdf.Stream)]
    return []


def _digest_object(
    obj: object, digest: hashlib._Hash, path: set[tuple[int, int]], streams: StreamDigests
) -> None:
    """Feed an object's content into the digest, dictionaries in key order. `path` holds the
    indirect objects being visited, so a reference back up the tree does not loop."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        if obj.objgen in path:
            digest.update(b"<cycle>")
            return
        path = path | {obj.objgen}
    if isinstance(obj, pikepdf.Stream):
        # Decoded where qpdf can decode, so that a file saved again with other compression
        # keeps its digests; images in formats qpdf leaves encoded (JPEG) count as stored.
        data_digest, decoded = _stream_data_digest(obj, streams)
        skip = {"/Length", "/Filter", "/DecodeParms"} if decoded else {"/Length"}
        digest.update(b"stream")
        digest.update(data_digest)
        _digest_dictionary(obj.stream_dict, digest, path, streams, skip=skip)
    elif isinstance(obj, pikepdf.Dictionary):
        _digest_dictionary(obj, digest, path, streams, skip={"/Parent"})
    elif isinstance(obj, pikepdf.Array):
        digest.update(b"[")
        for item in obj:
            _digest_object(item, digest, path, streams)
        digest.update(b"]")
    else:
        digest.update(repr(obj).encode())


def _stream_data_digest(stream: pikepdf.Stream, streams: StreamDigests) -> tuple[bytes, bool]:
    """The SHA-256 of a stream's data, and whether it was decoded (see `_digest_object`)."""
    key = stream.objgen if stream.is_indirect else None
    if key is not None and key in streams:
        return streams[key]
    try:
        data, decoded = stream.read_bytes(), True
    except pikepdf.PdfError:
        data, decoded = stream.read_raw_bytes(), False
    result = hashlib.sha256(data).digest(), decoded
    if key is not None:
        streams[key] = result
    return result


def _digest_dictionary(
    obj: pikepdf.Dictionary,
    digest: hashlib._Hash,
    path: set[tuple[int, int]],
    streams: StreamDigests,
    skip: set[str],
) -> None:
    digest.update(b"<<")
    for key in sorted(obj.keys()):
        if key in skip:
            continue
        digest.update(key.encode())
        _digest_object(obj[key], digest, path, streams)
    digest.update(b">>")


def pdf_text(content: bytes) -> str:
    """The PDF's text for the archive's search, or "" when it cannot be read in time.

    pikepdf reads structure, not text, so poppler's pdftotext does it, from stdin to stdout. A
    scanned paper has no text layer and a missing or slow pdftotext must not refuse an upload:
    the paper is then found by its title only, and `index_documents` can read it again later.
    """
    command = shutil.which(settings.DOCUMENTS_PDFTOTEXT)
    if command is None:
        return ""
    try:
        completed = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
            [
                *_limited(settings.DOCUMENTS_TEXT_SECONDS),
                command,
                *["-q", "-enc", "UTF-8", "-", "-"],
            ],
            input=content,
            capture_output=True,
            timeout=settings.DOCUMENTS_TEXT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ""
    if completed.returncode != 0:
        return ""
    # PostgreSQL text cannot hold NUL; form feeds only separate pages.
    return completed.stdout.decode("utf-8", "replace").replace("\x00", "").replace("\f", "\n")
