"""The reader's own notices over the API, under /api/v1/notices/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ERRORS, ListView, action_view, request_actor
from notices import selectors, services
from notices.models import Notice
from notices.serializers import NoticeSerializer

TAGS = ["notices"]


class NoticeListView(ListView):
    @extend_schema(
        tags=TAGS,
        summary="My notices",
        description="The reader's own notices, newest first; `read_at` null is unread.",
        responses={200: NoticeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        return self.paginated(request, Notice.objects.filter(recipient=actor), NoticeSerializer)


NoticeReadView = action_view(
    "NoticeReadView",
    services.notice_mark_read,
    target=selectors.access_notice,
    keyword="notice",
    answer=lambda request, notice: Response(NoticeSerializer(notice).data),
    tags=TAGS,
    responses={200: NoticeSerializer, **ERRORS},
    summary="Mark a notice read",
    description="Someone else's notice is a 404, like one that does not exist.",
)
