"""The local certificate of `serve --https` (web/platform/tls.py): made once, private keys private, the server
certificate names the addresses asked for and holds the key made with it, and a new address makes a new server
certificate under the same authority (a phone that trusts it need not install anything again). The TLS handshake
against the authority, for a network address, is checked on the running server in tests/test_browser_phone.py."""

from __future__ import annotations

import shutil
import ssl
import stat

import pytest

from web.platform.tls import certificate_names, ensure_certificate

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")


def _names(path) -> set[str]:
    decoded = ssl._ssl._test_decode_cert(str(path))  # the standard library's own reader of a PEM certificate
    return {value for _, value in decoded["subjectAltName"]}


def test_made_once_with_private_keys_and_the_addresses_asked_for(tmp_path):
    first = ensure_certificate(tmp_path / "tls", ["192.168.1.20"])
    for key in (first.key, tmp_path / "tls" / "esapr-local-ca.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert {"localhost", "127.0.0.1", "192.168.1.20"} <= _names(first.cert)
    assert "192.168.1.20" in first.names and first.names == certificate_names(["192.168.1.20"])
    context = ssl.create_default_context(cafile=str(first.ca_cert))
    context.load_cert_chain(first.cert, first.key)  # the key belongs to the certificate
    stamp = first.cert.stat().st_mtime_ns
    again = ensure_certificate(tmp_path / "tls", ["192.168.1.20"])
    assert again.cert.stat().st_mtime_ns == stamp  # nothing made again when nothing changed


def test_a_new_address_gets_a_new_certificate_from_the_same_authority(tmp_path):
    first = ensure_certificate(tmp_path / "tls", ["192.168.1.20"])
    authority = first.ca_cert.read_bytes()
    moved = ensure_certificate(tmp_path / "tls", ["10.0.0.7"])
    assert "10.0.0.7" in _names(moved.cert)
    assert moved.ca_cert.read_bytes() == authority
