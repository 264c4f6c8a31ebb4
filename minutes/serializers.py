from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.serializers import RejectUnknownFields
from minutes import signing
from minutes.models import (
    ActionItem,
    ActionNote,
    LinkedConsultation,
    Minutes,
    MinutesSignature,
    MinutesVersion,
)


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)


class SignatureSerializer(serializers.ModelSerializer):
    signer = serializers.SerializerMethodField()

    class Meta:
        model = MinutesSignature
        fields = ["role", "signer", "certificate_subject", "certificate_sha256", "signed_at"]

    def get_signer(self, signature: MinutesSignature) -> str:
        return signature.signer.get_full_name() or signature.signer.username


class MinutesVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MinutesVersion
        fields = ["number", "event", "remarks", "created_at"]


class MinutesSerializer(serializers.ModelSerializer):
    """The minutes with their record (as data), the editable sections and the signatures."""

    sections = SectionSerializer(many=True, read_only=True)
    record = serializers.JSONField(read_only=True)
    corrects: serializers.PrimaryKeyRelatedField[Minutes] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    signatures = SignatureSerializer(many=True, read_only=True)
    versions = MinutesVersionSerializer(many=True, read_only=True)
    has_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Minutes
        fields = [
            "id",
            "meeting",
            "number",
            "status",
            "corrects",
            "language",
            "remarks",
            "approved_as_corrected",
            "submitted_at",
            "approved_at",
            "pdf_sha256",
            "has_pdf",
            "record",
            "sections",
            "signatures",
            "versions",
        ]
        read_only_fields = fields

    def get_has_pdf(self, minutes: Minutes) -> bool:
        return bool(minutes.pdf_sha256)


class MinutesEditSerializer(RejectUnknownFields):
    texts = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        help_text=gettext_lazy('New text per section key, such as {"opening": "..."}.'),
    )


class MinutesReturnSerializer(RejectUnknownFields):
    remarks = serializers.CharField(max_length=10_000)


class MinutesSignSerializer(RejectUnknownFields):
    """A key file with its passphrase; where a token is set up, the token's PIN alone; where
    the server keeps signers' key files, `stored_key` with the kept file's passphrase (alone,
    if the server holds the passphrase)."""

    pkcs12 = serializers.FileField(
        required=False,
        help_text=gettext_lazy("The signer's PKCS#12 (.p12) key file."),
    )
    passphrase = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=gettext_lazy(
            "The passphrase of the key file sent, or of the key file kept on the server."
        ),
    )
    stored_key = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "Sign with the signer's key file kept on the server, instead of sending one, where "
            "the server keeps them (MINUTES_PKCS12_PATH)."
        ),
    )
    pin = serializers.CharField(
        required=False,
        write_only=True,
        trim_whitespace=False,
        max_length=256,
        style={"input_type": "password"},
        help_text=gettext_lazy(
            "The PIN of the signer's PKCS#11 token, instead of a key file, where the server "
            "has one set up (MINUTES_PKCS11_MODULE)."
        ),
    )

    def validate_pkcs12(self, value: Any) -> Any:
        if value.size > signing.MAX_KEY_FILE_BYTES:
            raise serializers.ValidationError(_("A key file is smaller than 1 MB."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("stored_key"):
            if not settings.MINUTES_PKCS12_PATH:
                raise serializers.ValidationError(
                    {
                        "stored_key": [
                            _("Signing with a key kept on the server is not set up on this server.")
                        ]
                    }
                )
            if "pkcs12" in attrs or "pin" in attrs:
                raise serializers.ValidationError(
                    _("Sign with one key: the one kept on the server, your key file or the token.")
                )
        elif "pin" in attrs:
            if not settings.MINUTES_PKCS11_MODULE:
                raise serializers.ValidationError(
                    {"pin": [_("Signing with a token is not set up on this server.")]}
                )
            if "pkcs12" in attrs:
                raise serializers.ValidationError(
                    _("Sign either with your key file or with the token, not both.")
                )
        elif "pkcs12" not in attrs:
            raise serializers.ValidationError({"pkcs12": [_("Choose your key file.")]})
        return attrs


class VerifyUploadSerializer(RejectUnknownFields):
    file = serializers.FileField(help_text=gettext_lazy("The PDF to check."))

    def validate_file(self, value: Any) -> Any:
        if value.size > settings.MINUTES_VERIFY_MAX_BYTES:
            raise serializers.ValidationError(
                _("The file is too large: at most %(size)d MB.")
                % {"size": settings.MINUTES_VERIFY_MAX_BYTES // (1024 * 1024)}
            )
        return value


class PdfSignatureCheckSerializer(serializers.Serializer):
    field = serializers.CharField()
    signer = serializers.CharField()
    subject = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    valid = serializers.BooleanField(
        help_text="The signed bytes are intact and the signature matches the key."
    )
    trusted = serializers.BooleanField(
        help_text="The certificate leads to a configured trust root."
    )
    whole_document = serializers.BooleanField(help_text="Nothing was added after this signature.")
    later_changes_allowed = serializers.BooleanField(
        help_text="Only later signatures were added after this one."
    )
    ok = serializers.BooleanField()
    problem = serializers.CharField()
    timestamped_at = serializers.DateTimeField(
        allow_null=True, help_text="The time an RFC 3161 time-stamp vouches for, if any."
    )
    timestamp_trusted = serializers.BooleanField(
        help_text="The time-stamp is intact and from an authority under a trust root."
    )


class VerificationSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    signatures = PdfSignatureCheckSerializer(many=True)


class ArchiveHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["minutes", "document"])
    title = serializers.CharField()
    snippet = serializers.CharField(
        help_text="An excerpt as HTML, escaped, with the matched words in <mark>."
    )
    url = serializers.CharField(help_text="The minutes page or the document reader.")
    rank = serializers.FloatField()
    meeting_id = serializers.IntegerField()
    meeting_title = serializers.CharField()
    meeting_date = serializers.DateTimeField()
    body_name = serializers.CharField()
    item_title = serializers.CharField(help_text="The document's agenda item, if any.")


class ArchiveSearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ArchiveHitSerializer(many=True, source="hits")


# Action items


class ActionNoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = ActionNote
        fields = ["id", "author", "text", "status", "created_at"]

    def get_author(self, note: ActionNote) -> str:
        return note.author.get_full_name() or note.author.username


class ActionItemSerializer(serializers.ModelSerializer):
    """A task the meeting gave out, with its follow-up notes."""

    # The member's name, or the organisation.
    assignee = serializers.CharField(source="assignee_name", read_only=True)
    notes = ActionNoteSerializer(many=True, read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "item",
            "text",
            "assignee_user",
            "assignee_organisation",
            "assignee",
            "due_on",
            "status",
            "followed_up_in",
            "created_at",
            "done_at",
            "notes",
        ]


class ActionItemInputSerializer(RejectUnknownFields):
    text = serializers.CharField(max_length=2000, allow_blank=True)
    due_on = serializers.DateField()
    assignee_user = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("A member of the body (user id).")
    )
    assignee_organisation = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    item = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("An agenda item of the meeting.")
    )


class ActionNoteInputSerializer(RejectUnknownFields):
    text = serializers.CharField(max_length=2000, allow_blank=True, default="")
    status = serializers.ChoiceField(
        # All statuses, so that the schema has one enum for them; the service says which the
        # actor may set (cancelling has its own endpoint).
        choices=ActionItem.Status.choices,
        required=False,
        default="",
        allow_blank=True,
    )


class ActionOfferSerializer(RejectUnknownFields):
    meeting = serializers.IntegerField(
        help_text=gettext_lazy("A later meeting of the same body, still being prepared.")
    )


class LinkedConsultationSerializer(serializers.ModelSerializer):
    """A written-opinion poll reported in the meeting's minutes."""

    consultation = serializers.IntegerField(source="consultation_id", read_only=True)
    subject = serializers.CharField(source="consultation.subject", read_only=True)
    status = serializers.CharField(source="consultation.status", read_only=True)
    linked_by = serializers.SerializerMethodField()

    class Meta:
        model = LinkedConsultation
        fields = ["consultation", "subject", "status", "linked_by", "linked_at"]

    def get_linked_by(self, link: LinkedConsultation) -> str:
        return link.linked_by.get_full_name() or link.linked_by.username


class LinkedConsultationInputSerializer(RejectUnknownFields):
    consultation = serializers.IntegerField(
        help_text=gettext_lazy("A closed or decided written-opinion poll of the same body.")
    )
