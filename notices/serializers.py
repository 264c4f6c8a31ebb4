from rest_framework import serializers

from notices import kinds
from notices.models import Notice


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    text = serializers.SerializerMethodField(help_text="In the reader's language.")

    class Meta:
        model = Notice
        fields = ["id", "kind", "text", "link", "created_at", "read_at"]

    def get_text(self, notice: Notice) -> str:
        return kinds.render(notice.kind, notice.params)
