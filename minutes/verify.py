"""Check the signatures of a PDF: who signed, when, whether the signed bytes are intact, whether
the document changed after each signature, and whether the signer's certificate leads to one of
the configured trust roots (MINUTES_TRUST_ROOTS). Works on any PDF, not only ours.
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)


class VerificationError(Exception):
    """The upload cannot be checked at all; the message says why, for the person."""


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    subject: str
    signed_at: datetime.datetime | None
    # The signed bytes hash to what the signature says, and the signature matches the key.
    valid: bool
    # The signer's certificate chains to a configured trust root.
    trusted: bool
    # Nothing at all was added after this signature.
    whole_document: bool
    # Only what a later signature adds came after it (PDF form filling); False: other changes.
    later_changes_allowed: bool
    problem: str
    # The time an RFC 3161 time-stamping authority vouches for, when the signature carries
    # a time-stamp; and whether that time-stamp is intact and from a trusted authority.
    timestamped_at: datetime.datetime | None = None
    timestamp_trusted: bool = False

    @property
    def ok(self) -> bool:
        return self.valid and self.trusted and self.later_changes_allowed


def load_trust_roots(paths: Iterable[str | Path]) -> list[asn1_x509.Certificate]:
    """The certificates in the given PEM or DER files; files that do not exist are skipped (the
    demo root exists only after `manage.py demo_pki`)."""
    roots: list[asn1_x509.Certificate] = []
    for path in paths:
        if Path(path).is_file():
            roots.extend(load_certs_from_pemder([str(path)]))
    return roots


def _reader(data: bytes) -> PdfFileReader:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise VerificationError(_("This file is not a PDF."))
    try:
        return PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as error:  # noqa: BLE001  (a damaged file can fail in many ways)
        logger.info("Unreadable PDF uploaded for verification: %s", error)
        raise VerificationError(_("This PDF is damaged and cannot be read.")) from None


def verify_pdf(data: bytes, roots: list[asn1_x509.Certificate]) -> list[SignatureCheck]:
    """One check per signature, in the order they were applied. Raises VerificationError when
    the file is not a readable PDF or carries no signature."""
    reader = _reader(data)
    try:
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # noqa: BLE001
        logger.info("Unreadable signatures in an uploaded PDF: %s", error)
        raise VerificationError(_("This PDF is damaged and cannot be read.")) from None
    if not embedded:
        raise VerificationError(_("This PDF carries no signature."))
    checks = []
    for signature in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        certificate = signature.signer_cert
        subject = certificate.subject.human_friendly if certificate is not None else ""
        signer = (
            str(certificate.subject.native.get("common_name", subject))
            if certificate is not None
            else ""
        )
        try:
            status = validate_pdf_signature(signature, signer_validation_context=context)
        except Exception as error:  # noqa: BLE001  (a tampered signature can fail anywhere)
            checks.append(
                SignatureCheck(
                    field=signature.field_name,
                    signer=signer,
                    subject=subject,
                    signed_at=None,
                    valid=False,
                    trusted=False,
                    whole_document=False,
                    later_changes_allowed=False,
                    problem=str(error),
                )
            )
            continue
        level = status.modification_level
        problems = []
        if not status.intact:
            problems.append(_("The signed content was altered."))
        elif not status.valid:
            problems.append(_("The signature does not match the signer's key."))
        if not status.trusted:
            problems.append(_("The certificate does not lead to a trusted root."))
        stamp = status.timestamp_validity
        checks.append(
            SignatureCheck(
                field=signature.field_name,
                signer=signer,
                subject=subject,
                signed_at=status.signer_reported_dt,
                valid=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                later_changes_allowed=status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                or (
                    status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                    and level is not None
                    and level <= ModificationLevel.FORM_FILLING
                    and bool(status.docmdp_ok)
                ),
                problem=" ".join(str(problem) for problem in problems),
                timestamped_at=stamp.timestamp if stamp is not None else None,
                timestamp_trusted=stamp is not None
                and bool(stamp.intact and stamp.valid and stamp.trusted),
            )
        )
    return checks
