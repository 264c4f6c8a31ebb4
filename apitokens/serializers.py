from rest_framework import serializers

from apitokens.models import ApiToken, Scope
from apitokens.services import MAX_DAYS
from core.serializers import RejectUnknownFields


class TokenCreateSerializer(RejectUnknownFields):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(Scope.choices), min_length=1)
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=90)


class TokenSerializer(serializers.ModelSerializer[ApiToken]):
    scopes = serializers.ListField(child=serializers.ChoiceField(Scope.choices))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "created_at", "expires_at", "revoked_at"]
        read_only_fields = fields


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        help_text="The token itself, shown this once: keep it where the integration reads it."
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
