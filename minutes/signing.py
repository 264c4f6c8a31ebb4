"""PAdES signatures on the minutes' PDF with pyHanko: functions over bytes, no database.

The approved PDF gets two empty, visible signature fields in the boxes the layout reserved. The
secretary signs the first, then the chair the second, each as an incremental update, so the
secretary's signature stays valid and covers the revision they signed. Signatures use the
PAdES subfilter (ETSI.CAdES.detached); pyHanko would otherwise write adbe.pkcs7.detached.

Keys come from the signer's own PKCS#12 file, uploaded with its passphrase for one signing and
kept only in memory; neither is stored. Where MINUTES_PKCS12_PATH names where the server keeps
each signer's file, the file is read from there instead, for one signing too. Where
MINUTES_PKCS11_MODULE names a PKCS#11 module, a
key can instead stay on a token (an HSM): the signer types the token's PIN, the token signs, and
the key never leaves it. An RFC 3161 time-stamp is added when MINUTES_TSA_URL names a
time-stamping authority.
"""

from __future__ import annotations

import datetime
import enum
import io
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.stamp import TextStampStyle

FIELDS = {"secretary": "SecretarySignature", "chair": "ChairSignature"}
# A PKCS#12 file holds a key and a few certificates: anything larger is not one.
MAX_KEY_FILE_BYTES = 1024 * 1024


class SigningError(Exception):
    """The key could not be used: wrong passphrase, not a PKCS#12 file, no key in it."""


class TokenFailure(enum.Enum):
    MODULE = "module"  # the PKCS#11 module cannot be loaded or initialised
    TOKEN = "token"  # no token with that label
    PIN = "pin"  # the PIN is wrong
    PIN_LOCKED = "pin_locked"  # too many wrong PINs: the token refuses any
    KEY = "key"  # no key, or no certificate, with that label on the token
    OTHER = "other"  # the token failed while signing


class TokenError(SigningError):
    """The token could not sign; `failure` says why, for a message the signer understands."""

    def __init__(self, failure: TokenFailure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure


class KeyFileFailure(enum.Enum):
    MISSING = "missing"  # no file at the signer's path
    UNREADABLE = "unreadable"  # a file is there, but it cannot be read or is far too large


class KeyFileError(SigningError):
    """The key file kept on the server could not be read; `failure` says why."""

    def __init__(self, failure: KeyFileFailure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure


@dataclass(frozen=True)
class Key:
    signer: signers.Signer
    subject: str
    common_name: str
    sha256: str


def _key(signer: signers.Signer, certificate: asn1_x509.Certificate) -> Key:
    return Key(
        signer=signer,
        subject=certificate.subject.human_friendly,
        common_name=str(certificate.subject.native.get("common_name", "")),
        sha256=certificate.sha256.hex(),
    )


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
    return _key(signer, signer.signing_cert)


def label_for(template: str, username: str) -> str:
    """A token or key label from its setting: "{username}" stands for the signer's user name."""
    return template.replace("{username}", username)


def key_file_path(template: str, username: str) -> Path | None:
    """The signer's key file kept on the server, from its setting ("{username}" stands for the
    user name); None for a user name that would lead out of the folder ("..", a separator):
    Django allows dots in user names."""
    if username in {"", ".", ".."} or any(char in username for char in "/\\\0"):
        return None
    return Path(label_for(template, username))


def read_key_file(path: Path) -> bytes:
    """The bytes of a key file kept on the server."""
    if not path.is_file():
        raise KeyFileError(KeyFileFailure.MISSING, f"{path} is not a file")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as error:
        raise KeyFileError(KeyFileFailure.UNREADABLE, f"{path}: {error.strerror}") from error
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(KeyFileFailure.UNREADABLE, f"{path} is larger than a key file")
    return data


# A PKCS#11 module is initialised once per process and keeps its state: loading it again for
# each signature would re-initialise it under sessions other threads hold. Token calls go
# through one lock, because python-pkcs11 initialises modules without the locking callbacks
# that would let several threads call them at once, and signatures are rare enough to queue.
_libraries: dict[str, Any] = {}
_token_lock = threading.Lock()


def token_library(module: str) -> Any:
    """The loaded PKCS#11 module at this path (python-pkcs11's `lib`), loaded on first use.
    A token added to the module later is seen once the module is initialised again
    (`reinitialize()`, or a restart of the server processes)."""
    library = _libraries.get(module)
    if library is None:
        try:
            library = _libraries[module] = pkcs11.lib(module)
        except pkcs11.PKCS11Error as error:
            raise TokenError(TokenFailure.MODULE, str(error)) from error
    return library


@contextmanager
def token_key(
    *,
    module: str,
    token_label: str,
    key_label: str,
    pin: str,
    chain: Sequence[asn1_x509.Certificate] = (),
) -> Iterator[Key]:
    """The key labelled `key_label` (with its certificate, under the same label) on the token
    labelled `token_label`, logged in with `pin`, for signing inside the block. The session is
    closed when the block ends; the PIN is not kept. `chain` is embedded with the signature."""
    with _token_lock:
        library = token_library(module)
        try:
            token = library.get_token(token_label=token_label)
        except pkcs11.PKCS11Error as error:  # none, or several, with this label
            raise TokenError(TokenFailure.TOKEN, str(error)) from error
        try:
            session = token.open(user_pin=pin)
        except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange) as error:
            raise TokenError(TokenFailure.PIN, type(error).__name__) from error
        except pkcs11.PinLocked as error:
            raise TokenError(TokenFailure.PIN_LOCKED, type(error).__name__) from error
        except pkcs11.PKCS11Error as error:
            raise TokenError(TokenFailure.TOKEN, type(error).__name__) from error
        try:
            signer = PKCS11Signer(session, cert_label=key_label, ca_chain=list(chain))
            try:
                # Reading the certificate also finds the key handle: a missing key is reported
                # now, before anything is signed.
                certificate = signer.signing_cert
            except pkcs11.PKCS11Error as error:
                raise TokenError(TokenFailure.KEY, str(error)) from error
            try:
                yield _key(signer, certificate)
            except (pkcs11.PKCS11Error, PyHankoSigningError) as error:
                raise TokenError(TokenFailure.OTHER, str(error)) from error
        finally:
            session.close()


def ascii_name(text: str) -> str:
    """For the signature's metadata (reason, location), which some readers show in a font
    without Vietnamese letters: "Trần Đức" becomes "Tran Duc". The visible stamp keeps them."""
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
    title: str,
    signed_at: datetime.datetime,
    font_file: Path,
    tsa_url: str = "",
) -> bytes:
    """Sign the role's field as an incremental update; returns the whole new PDF.

    The visible stamp names the signer as their certificate does, with their title and the
    signing time in ISO 8601, drawn with `font_file` (embedded, so every Vietnamese letter
    shows; the PDF standard fonts have none)."""
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
        stamp_text="%(signer)s\n%(title)s\n%(signed_at)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(font_file), font_size=9)),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=key.signer, timestamper=timestamper, stamp_style=style
    )
    text = {
        "signer": key.common_name,
        "title": title,
        "signed_at": signed_at.isoformat(timespec="seconds"),
    }
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        output = pdf_signer.sign_pdf(writer, existing_fields_only=True, appearance_text_params=text)
    except PdfError as error:
        raise SigningError(str(error)) from error
    return bytes(output.getvalue())
