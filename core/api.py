"""What every endpoint of the REST API (under /api/v1/) shares.

Every endpoint does the same four things: fetch what it acts on with an `access_*` function
(missing and forbidden are both 404), parse its input (`parse`), call one service, render the
result. The service decides whether the actor may act; its refusals are mapped to HTTP by
`exception_handler`, which settings install for the whole API. `action_view` writes the
endpoints that take no input (publish, open, close...) from those four parts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError
from core.serializers import DetailSerializer, ErrorSerializer, NoInputSerializer

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Refusals from the services become 400 and 403 with their own (translated) message.

    Django's PermissionDenied must be caught here: DRF's default handler would replace the
    service's message with a generic one.
    """
    if isinstance(exc, ServiceError):
        set_rollback()
        return Response({"detail": exc.message, "field": exc.field}, status=400)
    if isinstance(exc, DjangoPermissionDenied):
        set_rollback()
        detail = str(exc) or _("You do not have permission to perform this action.")
        return Response({"detail": detail}, status=403)
    if isinstance(exc, IntegrityError):
        # The services check uniqueness before writing; only a simultaneous request can get
        # past the check, and the database then refuses the second write as a whole.
        logger.warning("Write refused by a database constraint: %s", exc)
        set_rollback()
        return Response(
            {"detail": _("Someone else changed this at the same moment. Reload and try again.")},
            status=409,
        )
    if isinstance(exc, Http404):
        # One answer for missing and forbidden, in the client's language; the access
        # functions' own messages are for logs.
        exc = NotFound()
    return drf_exception_handler(exc, context)


def request_actor(request: Request) -> User:
    # Every view here requires authentication (the API's default permission class), and this
    # project's users are django.contrib.auth users.
    return cast(User, request.user)


def parse(
    serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ListView(APIView):
    # Read by drf-spectacular too, which then documents the paginated envelope.
    pagination_class = cast("type[BasePagination] | None", api_settings.DEFAULT_PAGINATION_CLASS)

    def paginated(
        self,
        request: Request,
        queryset: QuerySet[Any],
        serializer_class: type[serializers.BaseSerializer],
        context: dict[str, Any] | None = None,
    ) -> Response:
        if self.pagination_class is None:
            return Response(serializer_class(queryset, many=True, context=context or {}).data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            serializer_class(page, many=True, context=context or {}).data
        )


ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Refused by the rules (`detail`, `field`), or field errors "
        '(`{"field": ["message"]}`), or malformed JSON.',
    ),
    403: OpenApiResponse(DetailSerializer, description="Not signed in, or not allowed."),
    404: OpenApiResponse(
        DetailSerializer, description="No such object, or not one the user may see."
    ),
}
READ_ERRORS = {code: ERRORS[code] for code in (403, 404)}


def action_view(
    name: str,
    service: Callable[..., Any],
    *,
    target: Callable[..., Any],
    keyword: str,
    answer: Callable[[Request, Any], Response],
    tags: list[str],
    responses: dict[int, Any],
    summary: str,
    description: str = "",
    api_scope: str = "write",
) -> type[APIView]:
    """A POST endpoint with no input that applies one service to one object: `target` fetches
    it from the URL's arguments (`access_*`: missing and forbidden are both 404), the service
    takes it as `keyword`, and `answer` renders what the service returns. An API token needs
    `api_scope` to call it."""

    class ActionView(APIView):
        @extend_schema(
            tags=tags, summary=summary, description=description, request=None, responses=responses
        )
        def post(self, request: Request, **arguments: Any) -> Response:
            actor = request_actor(request)
            acted_on = target(actor, **arguments)
            parse(NoInputSerializer, request)
            return answer(request, service(actor=actor, **{keyword: acted_on}))

    ActionView.api_scope = api_scope  # type: ignore[attr-defined]
    ActionView.__name__ = ActionView.__qualname__ = name
    return ActionView
