"""The meeting event log over HTTP: for API clients that do not keep a socket open, and for
catching up by pages. The same events, numbers and redaction as the socket."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import READ_ERRORS, request_actor
from realtime import selectors
from realtime.access import subscriber_rights


class EventQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(
        min_value=0, default=0, help_text="The last event number the client has; 0 for none."
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)


class EventSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Always "event".')
    seq = serializers.IntegerField()
    event = serializers.CharField(help_text="For example meetings.attendance_changed.")
    payload = serializers.JSONField(allow_null=True, help_text="null when restricted.")
    at = serializers.DateTimeField()
    restricted = serializers.BooleanField(
        required=False, help_text="Present and true when the payload is not for this person."
    )


class EventPageSerializer(serializers.Serializer):
    last_seq = serializers.IntegerField(help_text="The meeting's last event number.")
    events = EventSerializer(many=True)


class MeetingEventListView(APIView):
    @extend_schema(
        tags=["realtime"],
        summary="The meeting's events after a number",
        description="In order, at most `limit`; ask again from the last `seq` received until "
        "it reaches `last_seq`. Payloads the person may not see are null.",
        parameters=[EventQuerySerializer],
        responses={200: EventPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        rights = subscriber_rights(actor.pk, meeting_id)
        if rights is None:
            # One answer for missing and forbidden, as every access_* function gives.
            raise Http404("No such meeting.")
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.event_page_for_user(
            meeting_id=meeting_id,
            user_id=actor.pk,
            rights=rights,
            since=query.validated_data["since"],
            limit=query.validated_data["limit"],
        )
        return Response(page)
