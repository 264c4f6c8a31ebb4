"""Reads an uploaded PDF's structure in a child process: `python -m documents.pdfcheck`.

An upload is untrusted: a one-megabyte PDF can hold a stream that inflates to gigabytes (a
decompression bomb), and reading a page's digest decodes its streams. So the PDF is read here,
in a process of its own whose address space and CPU time the parent limits (uploads.read_pdf):
a bomb exhausts the child, never the server, and is refused. The PDF comes on stdin; the answer
is one JSON object on stdout: {"pages": n, "digests": [...]} or {"refused": reason}. Reasons
are codes, not sentences: the parent translates them, without Django loaded here.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pikepdf

from documents.uploads import StreamDigests, page_digest

# How qpdf reports running out of memory: in an exception, or in a warning when it falls back.
OUT_OF_MEMORY = "bad_alloc"


def check(content: bytes, max_pages: int) -> dict[str, Any]:
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            if pdf.is_encrypted:
                return {"refused": "password"}
            if len(pdf.pages) > max_pages:
                return {"refused": "pages"}
            streams: StreamDigests = {}
            digests = [page_digest(page, streams) for page in pdf.pages]
            # qpdf repairs many damaged files silently and reports it as a warning; a paper for
            # a cabinet meeting is not to be guessed at.
            warnings = pdf.get_warnings()
            if warnings:
                return {"refused": _reason(" ".join(warnings))}
    except pikepdf.PasswordError:
        return {"refused": "password"}
    except MemoryError:
        return {"refused": "bomb"}
    except (pikepdf.PdfError, ValueError, RuntimeError) as error:
        return {"refused": _reason(str(error))}
    if not digests:
        return {"refused": "empty"}
    return {"pages": len(digests), "digests": digests}


def _reason(error: str) -> str:
    return "bomb" if OUT_OF_MEMORY in error else "damaged"


if __name__ == "__main__":
    answer = check(sys.stdin.buffer.read(), max_pages=int(sys.argv[1]))
    sys.stdout.write(json.dumps(answer))
