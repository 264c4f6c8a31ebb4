"""Shapes every endpoint of the REST API shares: its refusals, and input checks that are not
about any one model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class RejectUnknownFields(serializers.Serializer):
    """Refuses fields the endpoint does not take.

    Without this, `{"status": "closed"}` sent to a meeting update would be dropped silently
    and the client would believe the meeting had changed.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, Any] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                str(name): [_("This field is not accepted here.")]
                for name in data
                # A form posted from a web page carries its CSRF token in the body.
                if name not in writable and name != "csrfmiddlewaretoken"
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                error.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class NoInputSerializer(RejectUnknownFields):
    """For actions that take no input: an empty body or `{}`."""


class ErrorSerializer(serializers.Serializer):
    """A refused request: what to do about it, and the field it concerns if any."""

    detail = serializers.CharField(read_only=True)
    field = serializers.CharField(read_only=True, allow_null=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
