"""`Authorization: Bearer mt_<prefix>_<secret>`: the request acts as the token's person."""

from __future__ import annotations

import hmac

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from apitokens.models import ApiToken, digest


class TokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Bearer <token>”."))
        secret = parts[1].decode(errors="replace")
        _mt, _sep, rest = secret.partition("_")
        prefix = rest.partition("_")[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        # One message for a wrong, revoked or expired token, so a guess learns nothing.
        if (
            token is None
            or not hmac.compare_digest(token.digest, digest(secret))
            or token.revoked_at is not None
            or token.expires_at <= timezone.now()
            or not token.user.is_active
        ):
            raise AuthenticationFailed(
                _("This token is not valid: it is wrong, revoked or expired.")
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
