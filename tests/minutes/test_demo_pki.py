"""`manage.py demo_pki` gives `make run` a trust root and keys with which the demo secretary
and chair can sign, kept for them where `make run` points MINUTES_PKCS12_PATH, and running it
again changes nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management import call_command

from minutes import keys, signing, verify
from minutes.management.commands.demo_pki import PASSPHRASE


def test_demo_keys_sign_and_verify_against_the_demo_root(
    db: None, tmp_path: Path, settings
) -> None:
    settings.MINUTES_PKI_DIR = tmp_path
    call_command("demo_data", stdout=StringIO())
    out = StringIO()
    call_command("demo_pki", stdout=out)
    assert PASSPHRASE in out.getvalue()
    files = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert set(files) == {"ca.pem", "ca-key.pem", "govsecretary.p12", "pm.p12"}
    key = signing.load_key(files["pm.p12"], PASSPHRASE)
    assert "Trần Quang" in key.subject
    # As `make run` sets it: each demo signer finds their key kept on the server.
    settings.MINUTES_PKCS12_PATH = str(tmp_path / "{username}.p12")
    assert keys.stored_key_available(User.objects.get(username="pm"))
    assert keys.stored_key_available(User.objects.get(username="govsecretary"))
    call_command("demo_pki", stdout=StringIO())
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == files
    assert len(verify.load_trust_roots([tmp_path / "ca.pem"])) == 1
