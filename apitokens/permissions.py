"""What a token may do: reading needs `read`; a change needs the view's `api_scope`
(`write` unless the view names another, as the votes do). Signed-in people and HTTP Basic are
not limited by scopes: their rights alone decide, as everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:  # rest_framework.views reads this module while it loads
    from rest_framework.views import APIView

from apitokens.models import ApiToken, Scope


def required_scope(request: Request, view: APIView) -> str:
    if request.method in SAFE_METHODS:
        return Scope.READ
    return getattr(view, "api_scope", Scope.WRITE)


class TokenScopes(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = required_scope(request, view)
        if needed in token.scopes:
            return True
        self.message = _("This token lacks the scope “%(scope)s” that this request needs.") % {
            "scope": needed
        }
        return False
