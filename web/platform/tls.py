"""A local certificate for ``python main.py serve --https``: a phone on the same network may use the camera and
microphone only on a secure page, and a plain http://192.168.x.y address is not one.

Two certificates, made once and kept in the instance folder (``tls/``, keys readable by this user only):

- a small certificate authority of this install (``esapr-local-ca.crt``, ten years): installed once on the phone
  (README: "Phones"), after which the phone trusts what it signs;
- the server's certificate, signed by it, naming this machine's addresses on the network, ``localhost`` and its
  host name (``esapr-server.crt``, 825 days, the most Apple and Chrome accept). It is made again when an address
  it does not name appears (another network) or when it nears its end.

Made with the ``openssl`` command line (present wherever Python's ``ssl`` module is built; the ``cryptography``
package would add ~10 MB to serving for the same two certificates). Nothing here touches a certificate a
person brings: ``ESAPR_TLS_CERT``/``ESAPR_TLS_KEY`` name theirs (a real name from a real authority, behind a
reverse proxy or not: docs/deploy.md).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CA_NAME = "esapr-local-ca"
SERVER_NAME = "esapr-server"
CA_DAYS = 3650
SERVER_DAYS = 825
RENEW_WITHIN_S = 30 * 24 * 3600  # a server certificate this close to its end is made again


class CertificateError(RuntimeError):
    """The local certificate could not be made (no openssl, or it failed)."""


@dataclass(frozen=True)
class LocalCertificate:
    cert: Path  # the server's certificate (PEM) followed by nothing else: the phone trusts the CA
    key: Path
    ca_cert: Path  # what a phone installs once
    names: tuple[str, ...]  # the host names and addresses the server certificate holds


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a phone on the same network can reach (no loopback), best first: the one
    the default route leaves by (found without sending anything: a UDP socket only picks its source address)."""
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere, no packet is sent by connect()
        found.append(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    unique = []
    for address in found:
        if address not in unique and not ipaddress.ip_address(address).is_loopback:
            unique.append(address)
    return unique


def certificate_names(addresses: list[str]) -> tuple[str, ...]:
    """What the server certificate must name: localhost, the loopback addresses, the host name, ``addresses``."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname().lower(), *addresses]
    return tuple(dict.fromkeys(n for n in names if n))


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        raise CertificateError("serve --https needs the openssl command (Debian: apt-get install openssl), or a "
                               "certificate of your own in ESAPR_TLS_CERT and ESAPR_TLS_KEY.")
    return path


def _run(*args: str) -> str:
    try:
        done = subprocess.run([_openssl(), *args], check=True, capture_output=True, text=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        raise CertificateError(f"openssl {args[0]} failed: {exc.stderr.strip()[:500]}") from None
    return done.stdout


def _subject_alt_names(names: tuple[str, ...]) -> str:
    parts = []
    for name in names:
        try:
            ipaddress.ip_address(name)
            parts.append(f"IP:{name}")
        except ValueError:
            parts.append(f"DNS:{name}")
    return ",".join(parts)


def _names_in(cert: Path) -> set[str]:
    text = _run("x509", "-in", str(cert), "-noout", "-ext", "subjectAltName")
    names = set()
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if part.startswith("DNS:"):
            names.add(part[4:].lower())
        elif part.startswith("IP Address:"):
            names.add(str(ipaddress.ip_address(part[len("IP Address:"):].strip())))
    return names


def _still_good(cert: Path, names: tuple[str, ...]) -> bool:
    if not cert.is_file():
        return False
    try:
        _run("x509", "-in", str(cert), "-noout", "-checkend", str(RENEW_WITHIN_S))
    except CertificateError:
        return False  # -checkend exits 1 when the certificate ends within that time
    wanted = {str(ipaddress.ip_address(n)) if _is_ip(n) else n.lower() for n in names}
    return wanted <= _names_in(cert)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _private(path: Path) -> None:
    os.chmod(path, 0o600)


def ensure_certificate(folder: Path, addresses: list[str] | None = None) -> LocalCertificate:
    """The local authority and a server certificate naming ``addresses`` (default: ``lan_addresses()``), made
    in ``folder`` when missing, ending, or not naming an address it now needs; kept as they are otherwise (a
    phone that trusts the authority keeps trusting every server certificate it signs)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = certificate_names(lan_addresses() if addresses is None else addresses)
    ca_key, ca_cert = folder / f"{CA_NAME}.key", folder / f"{CA_NAME}.crt"
    key, cert = folder / f"{SERVER_NAME}.key", folder / f"{SERVER_NAME}.crt"
    if not (ca_key.is_file() and ca_cert.is_file()):
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256",
             "-days", str(CA_DAYS), "-keyout", str(ca_key), "-out", str(ca_cert),
             "-subj", f"/CN=ESAPR local authority ({socket.gethostname()})",
             "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        _private(ca_key)
        cert.unlink(missing_ok=True)  # signed by an authority that is gone
    if not _still_good(cert, names):
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            request, extensions = Path(scratch) / "server.csr", Path(scratch) / "server.ext"
            extensions.write_text(
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                f"extendedKeyUsage=serverAuth\nsubjectAltName={_subject_alt_names(names)}\n", encoding="ascii")
            _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256",
                 "-keyout", str(key), "-out", str(request), "-subj", f"/CN={names[-1]}")
            _private(key)
            _run("x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(ca_key),
                 "-CAcreateserial", "-days", str(SERVER_DAYS), "-sha256", "-extfile", str(extensions),
                 "-out", str(cert))
    return LocalCertificate(cert, key, ca_cert, names)
