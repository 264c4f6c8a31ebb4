"""Signing the approved minutes: the secretary first, then the chair, with a key file uploaded
for one signing, a key file kept on the server, or a key on a PKCS#11 token. Each way opens its
key only once the actor is known to be the one who signs now, and the new signature must
verify against the trust roots, or nothing is saved (minutes.signing does the PDF work).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import trail
from audit.models import Entry
from core.errors import ServiceError, require
from minutes import keys, layout, permissions, signing, verify
from minutes.models import Minutes, MinutesSignature
from minutes.services.minutes import S, lock, publish, require_status

logger = logging.getLogger(__name__)


def minutes_sign(*, actor: User, minutes: Minutes, pkcs12: bytes, passphrase: str) -> Minutes:
    """Sign the approved minutes with the signer's own key file: the secretary first, then the
    chair. The key and its passphrase are used for this signature only and never stored. The
    new signature must verify against the configured trust roots, or nothing is saved."""

    def key_file() -> AbstractContextManager[signing.Key]:
        try:
            return nullcontext(signing.load_key(pkcs12, passphrase))
        except signing.SigningError:
            raise ServiceError(
                _(
                    "The key file could not be opened: check that it is a PKCS#12 (.p12) file "
                    "and that the passphrase is right."
                ),
                field="pkcs12",
            ) from None

    return _sign(actor=actor, minutes=minutes, open_key=key_file, field="pkcs12")


def minutes_sign_with_stored_key(*, actor: User, minutes: Minutes, passphrase: str = "") -> Minutes:
    """Sign the approved minutes with the signer's key file kept on the server
    (MINUTES_PKCS12_PATH): same order, rights and checks as `minutes_sign`. The file is opened
    with the passphrase the signer types, or with MINUTES_PKCS12_PASSPHRASE where the server
    holds it (then `passphrase` is not used). The file is read only once the actor is known to
    be the one who signs now, so that nobody else can try passphrases on it; the passphrase is
    neither stored nor logged."""
    if not keys.stored_key_signing_enabled():
        raise ServiceError(
            _("Signing with a key kept on the server is not set up on this server."),
            field="stored_key",
        )
    held = settings.MINUTES_PKCS12_PASSPHRASE
    if not held and not passphrase:
        raise ServiceError(
            _("Type the passphrase of your key kept on the server."), field="passphrase"
        )

    def stored_key() -> AbstractContextManager[signing.Key]:
        path = keys.stored_key_path(actor)
        try:
            if path is None:
                raise signing.KeyFileError(signing.KeyFileFailure.MISSING, "unsafe user name")
            key = signing.load_key(signing.read_key_file(path), held or passphrase)
        except signing.SigningError as error:
            failure = error.failure.value if isinstance(error, signing.KeyFileError) else "open"
            # The file's path and the library's words are for the administrator.
            logger.warning(
                "Stored key signing refused for user %s (%s): %s: %s",
                actor.pk,
                path,
                failure,
                error,
            )
            raise _stored_key_refusal(error, held=bool(held)) from None
        return nullcontext(key)

    return _sign(actor=actor, minutes=minutes, open_key=stored_key, field="stored_key")


def _stored_key_refusal(error: signing.SigningError, *, held: bool) -> ServiceError:
    if isinstance(error, signing.KeyFileError):
        if error.failure == signing.KeyFileFailure.MISSING:
            return ServiceError(
                _(
                    "No key is kept on the server for you: sign with your key file, or ask the "
                    "administrator to put yours in place."
                ),
                field="stored_key",
            )
        return ServiceError(
            _("Your key kept on the server cannot be read: tell the administrator."),
            field="stored_key",
        )
    if held:
        return ServiceError(
            _("Your key kept on the server could not be opened: tell the administrator."),
            field="stored_key",
        )
    return ServiceError(
        _(
            "Your key kept on the server could not be opened with this passphrase: check it, "
            "or tell the administrator if it is right."
        ),
        field="passphrase",
    )


def minutes_sign_with_token(*, actor: User, minutes: Minutes, pin: str) -> Minutes:
    """Sign the approved minutes with the signer's key on the PKCS#11 token
    (MINUTES_PKCS11_MODULE): same order, rights and checks as `minutes_sign`. The token and the
    key are found by their labels, made from the signer's user name; the PIN logs in for this
    signature only and is neither stored nor logged. The token is opened only once the actor
    is known to be the one who signs now, so that nobody else can spend its PIN attempts."""
    if not keys.token_signing_enabled():
        raise ServiceError(_("Signing with a token is not set up on this server."), field="pin")

    @contextmanager
    def token_key() -> Iterator[signing.Key]:
        token_label = signing.label_for(settings.MINUTES_PKCS11_TOKEN_LABEL, actor.username)
        key_label = signing.label_for(settings.MINUTES_PKCS11_KEY_LABEL, actor.username)
        try:
            with signing.token_key(
                module=settings.MINUTES_PKCS11_MODULE,
                token_label=token_label,
                key_label=key_label,
                pin=pin,
                chain=verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS),
            ) as key:
                yield key
        except signing.TokenError as error:
            # The module's own words are for the administrator; the signer gets a message.
            logger.warning(
                "Token signing refused for user %s (token %r, key %r): %s: %s",
                actor.pk,
                token_label,
                key_label,
                error.failure.value,
                error,
            )
            raise ServiceError(
                _token_message(error.failure, token_label=token_label, key_label=key_label),
                field="pin",
            ) from None

    return _sign(actor=actor, minutes=minutes, open_key=token_key, field="pin")


def _token_message(failure: signing.TokenFailure, *, token_label: str, key_label: str) -> str:
    F = signing.TokenFailure
    if failure == F.PIN:
        return _("The PIN is wrong.")
    if failure == F.PIN_LOCKED:
        return _(
            "The token's PIN is locked after too many wrong tries: ask the administrator to "
            "unlock it."
        )
    if failure == F.TOKEN:
        return _(
            "There is no signing token named %(label)s on this server: ask the administrator "
            "to set one up for you."
        ) % {"label": token_label}
    if failure == F.KEY:
        return _(
            "The token holds no key and certificate labelled %(label)s: ask the administrator "
            "to put yours on it."
        ) % {"label": key_label}
    if failure == F.MODULE:
        return _("The signing token cannot be reached on this server: tell the administrator.")
    return _("The token could not sign: try again, or tell the administrator.")


def _sign(
    *,
    actor: User,
    minutes: Minutes,
    open_key: Callable[[], AbstractContextManager[signing.Key]],
    field: str,
) -> Minutes:
    """The signing every key source shares: the row is locked so that two signers cannot both
    take the same state; who signs depends on the state; the key is opened only after that
    check; any refusal leaves the minutes as they were."""
    meeting = minutes.meeting
    with transaction.atomic():
        minutes = lock(minutes)
        require_status(
            minutes,
            [S.APPROVED, S.SECRETARY_SIGNED],
            _("Only approved minutes can be signed."),
        )
        if minutes.status == S.APPROVED:
            role = MinutesSignature.Role.SECRETARY
            require(
                permissions.can_write_minutes(actor, meeting),
                _("The secretary signs the minutes first."),
            )
            reason, target = "Thư ký ký biên bản", S.SECRETARY_SIGNED
            title = minutes.record.get("secretary_title", "")
        else:
            role = MinutesSignature.Role.CHAIR
            require(
                permissions.can_review_minutes(actor, meeting),
                _("The chair signs the minutes after the secretary."),
            )
            reason, target = "Chủ tọa ký biên bản", S.SIGNED
            title = minutes.record.get("chair_title", "")
        pdf = bytes(minutes.pdf or b"")
        with open_key() as key:
            signed = signing.sign(
                pdf,
                role=role,
                key=key,
                reason=reason,
                location=settings.MINUTES_PLACE,
                title=title,
                signed_at=timezone.localtime(),
                font_file=settings.PDF_FONT_DIR / layout.FONT_FILES[layout.FONT],
                tsa_url=settings.MINUTES_TSA_URL,
            )
        _require_trusted(signed, key, field)
        now = timezone.now()
        minutes.pdf = signed
        minutes.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        minutes.status = target
        minutes.save()
        MinutesSignature.objects.create(
            minutes=minutes,
            role=role,
            signer=actor,
            certificate_subject=key.subject[:500],
            certificate_sha256=key.sha256,
            signed_at=now,
            pdf_sha256=minutes.pdf_sha256,
        )
        publish(
            minutes,
            "minutes.minutes_signed" if target == S.SIGNED else "minutes.minutes_secretary_signed",
        )
        trail.record(
            Entry.Action.MINUTES_SIGNED,
            actor=actor,
            meeting_id=meeting.pk,
            details={
                "minutes": minutes.pk,
                "role": role,
                "pdf_sha256": minutes.pdf_sha256,
                "certificate_sha256": key.sha256,
            },
        )
    return minutes


def _require_trusted(pdf: bytes, key: signing.Key, field: str) -> None:
    """The signature just made must be valid and lead to a trusted root: a key from an unknown
    authority would give minutes that nobody can verify."""
    roots = verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS)
    checks = verify.verify_pdf(pdf, roots)
    last = checks[-1]
    if not (last.valid and last.trusted):
        raise ServiceError(
            _("This certificate (%(subject)s) is not issued by a trusted authority.")
            % {"subject": key.subject},
            field=field,
        )
