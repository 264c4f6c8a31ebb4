"""With MINUTES_TSA_URL set, each signature carries an RFC 3161 time-stamp from that authority.
The authority here is a real HTTP server on the loopback, answering with pyHanko's test
time-stamper under a certificate from the test root."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from minutes import pki, verify
from tests.conftest import Personas
from tests.minutes.conftest import Held, Keys, signed


def time_stamper(authority: pki.Authority) -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(authority.key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


@pytest.fixture
def tsa_url(keys: Keys, settings, tmp_path) -> Iterator[str]:
    authority = pki.make_authority("Test TSA Root", "Test")
    roots = tmp_path / "tsa-root.pem"
    roots.write_bytes(authority.pem)
    settings.MINUTES_TRUST_ROOTS = [str(keys.ca_pem), str(roots)]
    stamper = time_stamper(authority)
    requests: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            requests.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    settings.MINUTES_TSA_URL = url
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    # Per signature, pyHanko asks once to size the signature's space, then for the stamp.
    assert len(requests) == 4


def test_each_signature_carries_a_trusted_time_stamp(
    government: Personas, held: Held, keys: Keys, tsa_url: str, settings
) -> None:
    pdf = bytes(signed(government, held, keys).pdf)
    checks = verify.verify_pdf(pdf, verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS))
    assert [c.ok for c in checks] == [True, True]
    for check in checks:
        assert check.timestamp_trusted
        assert check.timestamped_at is not None
        assert abs(check.timestamped_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(
            minutes=5
        )


def test_without_a_time_stamping_authority_there_is_no_time_stamp(
    government: Personas, held: Held, keys: Keys
) -> None:
    pdf = bytes(signed(government, held, keys).pdf)
    checks = verify.verify_pdf(pdf, verify.load_trust_roots([keys.ca_pem]))
    assert [(c.ok, c.timestamped_at, c.timestamp_trusted) for c in checks] == [
        (True, None, False),
        (True, None, False),
    ]
