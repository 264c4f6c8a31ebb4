"""A demo certificate authority and signing keys for `make run` (idempotent).

Writes into MINUTES_PKI_DIR (var/pki): `ca.pem`, the demo root that the verification trusts by
default; `ca-key.pem`, its key (sealed with the demo passphrase); and one PKCS#12 file per demo
signer: the secretary and the chair of the demo Government. `make run` keeps these files on the
server for them (MINUTES_PKCS12_PATH), so the signing screen offers each their key, asking for
the demo passphrase; they can be uploaded too. Demo keys only: never use them for real minutes.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from minutes import pki

PASSPHRASE = "demo-pki-2026"  # noqa: S105  (a published demo passphrase)
ORGANISATION = "Demo Government Office"
# The demo Government's secretary and chair (meetings/management/commands/demo_data.py).
SIGNERS = ["govsecretary", "pm"]


class Command(BaseCommand):
    help = "Create a demo certificate authority and the demo signers' PKCS#12 files (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        folder = settings.MINUTES_PKI_DIR
        folder.mkdir(parents=True, exist_ok=True)
        ca_pem, ca_key = folder / "ca.pem", folder / "ca-key.pem"
        if ca_pem.exists() and ca_key.exists():
            authority = pki.load_authority(
                ca_pem.read_bytes(), ca_key.read_bytes(), PASSPHRASE.encode()
            )
        else:
            authority = pki.make_authority("Demo Minutes Root CA", ORGANISATION)
            ca_key.write_bytes(pki.authority_key_pem(authority, PASSPHRASE.encode()))
            ca_key.chmod(0o600)
            ca_pem.write_bytes(authority.pem)
        for username in SIGNERS:
            target = folder / f"{username}.p12"
            if target.exists():
                continue
            user = User.objects.filter(username=username).first()
            if user is None:
                self.stdout.write(f"No user {username}: run `manage.py demo_data` first.")
                continue
            target.write_bytes(
                pki.issue_signer_pkcs12(
                    authority,
                    common_name=user.get_full_name() or username,
                    organisation=ORGANISATION,
                    email=user.email or f"{username}@example.org",
                    passphrase=PASSPHRASE.encode(),
                )
            )
            target.chmod(0o600)
        self.stdout.write(f"\nDemo signing keys in {folder} (passphrase for all: {PASSPHRASE}):")
        for username in SIGNERS:
            self.stdout.write(f"  {username:<14} {folder / (username + '.p12')}")
        self.stdout.write(f"  trust root     {ca_pem}")
