"""A person's API tokens: list, make (the token is shown once), revoke. Only a signed-in
person (session or HTTP Basic) manages tokens: a token cannot make or revoke one."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apitokens import services
from apitokens.models import ApiToken
from apitokens.serializers import NewTokenSerializer, TokenCreateSerializer, TokenSerializer
from core.api import ERRORS, READ_ERRORS, ListView, parse, request_actor
from core.serializers import NoInputSerializer

TAGS = ["tokens"]


def _not_by_token(request: Request) -> None:
    if isinstance(request.auth, ApiToken):
        raise PermissionDenied(_("Sign in to manage tokens: a token cannot make or revoke one."))


def access_token(actor: User, token_id: int) -> ApiToken:
    # Another person's token and a missing one are the same 404.
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise Http404("No such token.")
    return token


class TokenListView(ListView):
    @extend_schema(
        tags=TAGS,
        summary="Your API tokens",
        description="Newest first, revoked and expired ones included; never the secret.",
        responses={200: TokenSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        return self.paginated(request, ApiToken.objects.filter(user=actor), TokenSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Make an API token",
        description="It acts as you, with at most its `scopes`, for `days` days (1 to 365, "
        "90 if not given). The answer's `token` is shown this once: only its digest is kept.",
        request=TokenCreateSerializer,
        responses={201: NewTokenSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        _not_by_token(request)
        actor = request_actor(request)
        made = services.token_create(actor=actor, **parse(TokenCreateSerializer, request))
        data = {**TokenSerializer(made.token).data, "token": made.secret}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Revoke one of your API tokens",
        description="At once: the next request with it is refused. Revoking it again changes "
        "nothing.",
        request=None,
        responses={200: TokenSerializer, **ERRORS},
    )
    def post(self, request: Request, token_id: int) -> Response:
        _not_by_token(request)
        actor = request_actor(request)
        token = access_token(actor, token_id)
        parse(NoInputSerializer, request)
        return Response(TokenSerializer(services.token_revoke(actor=actor, token=token)).data)
