"""PAdES signatures on the minutes' PDF with pyHanko: functions over bytes, no database.

The approved PDF gets two empty, visible signature fields in the boxes the layout reserved. The
secretary signs the first, then the chair the second, each as an incremental update, so the
secretary's signature stays valid and covers the revision they signed. Signatures use the
PAdES subfilter (ETSI.CAdES.detached); pyHanko would otherwise write adbe.pkcs7.detached.

Keys come from the signer's own PKCS#12 file, uploaded with its passphrase for one signing and
kept only in memory; neither is stored. An RFC 3161 time-stamp is added when MINUTES_TSA_URL
names a time-stamping authority.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.stamp import TextStampStyle

FIELDS = {"secretary": "SecretarySignature", "chair": "ChairSignature"}


class SigningError(Exception):
    """The key could not be used: wrong passphrase, not a PKCS#12 file, no key in it."""


@dataclass(frozen=True)
class Key:
    signer: signers.SimpleSigner
    subject: str
    common_name: str
    sha256: str


def with_signature_fields(pdf: bytes, boxes: dict[str, dict[str, Any]]) -> bytes:
    """The PDF with an empty visible signature field in each reserved box."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for role, name in FIELDS.items():
        slot = boxes[role]
        x1, y1, x2, y2 = (int(value) for value in slot["box"])
        fields.append_signature_field(
            writer,
            SigFieldSpec(sig_field_name=name, on_page=int(slot["page"]), box=(x1, y1, x2, y2)),
        )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def load_key(pkcs12: bytes, passphrase: str) -> Key:
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            pkcs12, other_certs=[], passphrase=passphrase.encode() if passphrase else None
        )
    except Exception as error:  # noqa: BLE001  (pyHanko and cryptography raise many kinds)
        raise SigningError(str(error)) from error
    if signer is None or signer.signing_cert is None:
        raise SigningError("No key in the file.")
    certificate: asn1_x509.Certificate = signer.signing_cert
    return Key(
        signer=signer,
        subject=certificate.subject.human_friendly,
        common_name=str(certificate.subject.native.get("common_name", "")),
        sha256=certificate.sha256.hex(),
    )


def ascii_name(text: str) -> str:
    """The stamp's built-in font has no Vietnamese letters: "Trần Đức" becomes "Tran Duc".
    The layout prints the full name under the box."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if ord(char) < 128)


def sign(
    pdf: bytes,
    *,
    role: str,
    key: Key,
    reason: str,
    location: str,
    tsa_url: str = "",
) -> bytes:
    """Sign the role's field as an incremental update; returns the whole new PDF."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELDS[role],
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=ascii_name(reason),
        location=ascii_name(location),
        name=key.common_name or None,
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    style = TextStampStyle(
        stamp_text=f"{ascii_name(key.common_name)}\n%(ts)s",
        timestamp_format="%Y-%m-%d %H:%M:%S %Z",
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=key.signer, timestamper=timestamper, stamp_style=style
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        output = pdf_signer.sign_pdf(writer, existing_fields_only=True)
    except PdfError as error:
        raise SigningError(str(error)) from error
    return bytes(output.getvalue())
