"""API tokens for integrators: each acts as one person, with at most its scopes.

Only a SHA-256 digest of the secret is stored (the secret is 32 random bytes, so a slow hash
adds nothing); the token is shown once, when it is made. A token is looked up by its prefix,
which the person sees in their list, and compared in constant time.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read everything the person may read")
    WRITE = "write", _("Change what the person may change, votes excepted")
    VOTE = "vote", _("Vote and declare a conflict of interest")
    VOTE_ADMIN = "vote-admin", _("Prepare, open and close votes")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
