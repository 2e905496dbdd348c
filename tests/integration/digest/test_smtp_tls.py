"""SMTP over STARTTLS and implicit TLS with authentication: a real exchange with aiosmtpd on
127.0.0.1 using a certificate made for the test; the password never travels in clear."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitor.config.digest import SmtpConfig
from monitor.delivery.notifiers.email import SmtpSender
from monitor.errors import NotifyError
from tests.fakes.smtp import SmtpServer

PASSWORD = "s3cret-smtp-password"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (PEM cert, PEM key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
           .not_valid_after(now + dt.timedelta(days=1))
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
           .sign(key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return d / "cert.pem", d / "key.pem"


class Auth:
    """Accepts one user/password and remembers whether the session was encrypted when it did."""

    def __init__(self) -> None:
        self.logins: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"scout" and auth_data.password == PASSWORD.encode()
        self.logins.append((mechanism, session.ssl is not None))
        return AuthResult(success=ok, handled=False)


def _server_ctx(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


@pytest.fixture
def starttls_server(cert: tuple[Path, Path]) -> Iterator[tuple[SmtpServer, Auth]]:
    auth = Auth()
    server = SmtpServer(tls_context=_server_ctx(cert), require_starttls=True, authenticator=auth,
                        auth_require_tls=True)
    server.start()
    yield server, auth
    server.stop()


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "scout@setseg.example", "m@setseg.example", "digest"
    msg["Message-ID"] = "<tls-test@setseg.example>"
    msg.set_content("hello")
    return msg


def test_starttls_with_login(starttls_server: tuple[SmtpServer, Auth], cert: tuple[Path, Path]) -> None:
    server, auth = starttls_server
    cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="starttls", username="scout",
                     password_env="SMTP_PASSWORD", ca_file=str(cert[0]), timeout=5)
    assert SmtpSender(cfg, PASSWORD).send(_message(), ["m@setseg.example"]) == "<tls-test@setseg.example>"
    assert len(server.received) == 1
    assert auth.logins and all(encrypted for _, encrypted in auth.logins)


def test_wrong_password_is_permanent_and_not_echoed(starttls_server: tuple[SmtpServer, Auth],
                                                    cert: tuple[Path, Path]) -> None:
    server, _ = starttls_server
    cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="starttls", username="scout",
                     password_env="SMTP_PASSWORD", ca_file=str(cert[0]), timeout=5)
    with pytest.raises(NotifyError) as err:
        SmtpSender(cfg, "wrong-password-123").send(_message(), ["m@setseg.example"])
    assert not err.value.recoverable and "wrong-password-123" not in str(err.value)
    assert server.received == []


def test_untrusted_certificate_is_refused(starttls_server: tuple[SmtpServer, Auth]) -> None:
    server, auth = starttls_server
    cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="starttls", username="scout",
                     password_env="SMTP_PASSWORD", timeout=5)  # system CAs only: the test cert is unknown
    with pytest.raises(NotifyError):
        SmtpSender(cfg, PASSWORD).send(_message(), ["m@setseg.example"])
    assert auth.logins == [] and server.received == []  # the password was never sent


def test_plain_connection_to_a_starttls_only_server_never_sends_the_password(
        starttls_server: tuple[SmtpServer, Auth]) -> None:
    server, auth = starttls_server
    cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="none", username="scout",
                     password_env="SMTP_PASSWORD", timeout=5)
    with pytest.raises(NotifyError) as info:
        SmtpSender(cfg, PASSWORD).send(_message(), ["m@setseg.example"])
    assert auth.logins == [] and server.received == []
    # the settings must change: said so, and not retried as if the network had failed
    assert not info.value.recoverable and "offers no AUTH before TLS: set security: starttls or tls" in str(info.value)


def test_a_server_without_auth_is_a_settings_error(tmp_path: Path) -> None:
    server = SmtpServer()  # plain sink: no AUTH offered at all
    server.start()
    try:
        cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="none", username="scout",
                         password_env="SMTP_PASSWORD", timeout=5)
        with pytest.raises(NotifyError) as info:
            SmtpSender(cfg, PASSWORD).send(_message(), ["m@setseg.example"])
    finally:
        server.stop()
    assert not info.value.recoverable and "offers no AUTH" in str(info.value) and server.received == []


def test_implicit_tls_with_login(cert: tuple[Path, Path]) -> None:
    auth = Auth()
    # the whole connection is TLS here (aiosmtpd does not see it as STARTTLS, so no auth_require_tls)
    server = SmtpServer(ssl_context=_server_ctx(cert), authenticator=auth, auth_require_tls=False)
    server.start()
    try:
        cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="tls", username="scout",
                         password_env="SMTP_PASSWORD", ca_file=str(cert[0]), timeout=5)
        SmtpSender(cfg, PASSWORD).send(_message(), ["m@setseg.example"])
    finally:
        server.stop()
    assert len(server.received) == 1 and [m for m, _ in auth.logins] in (["PLAIN"], ["LOGIN"])
