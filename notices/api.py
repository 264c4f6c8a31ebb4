"""The reader's own notices over the API, under /api/v1/notices/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import READ_ERRORS, ListView, request_actor
from core.serializers import NoInputSerializer
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


class NoticeReadView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Mark a notice read",
        description="Someone else's notice is a 404, like one that does not exist.",
        request=NoInputSerializer,
        responses={200: NoticeSerializer, **READ_ERRORS},
    )
    def post(self, request: Request, notice_id: int) -> Response:
        actor = request_actor(request)
        notice = selectors.access_notice(actor, notice_id)
        notice = services.notice_mark_read(actor=actor, notice=notice)
        return Response(NoticeSerializer(notice).data)
