"""A throwaway certificate authority and server certificate for the emulator's HTTPS listener.

msal refuses an authority that is not ``https``, so the emulator also serves over TLS on
loopback. Clients trust ``ca.pem`` (``verify=emulator.ca_file``); the server presents
``server.pem``, signed by that CA, valid for ``127.0.0.1``, ``::1`` and ``localhost``.
"""

import datetime
import ipaddress
import os
import tempfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
VALIDITY = datetime.timedelta(days=825)


@dataclass(frozen=True)
class CertificateFiles:
    ca_file: str
    cert_file: str
    key_file: str


def ensure_certificates(cert_dir=None):
    """Return the certificate files in ``cert_dir``, creating them when missing or expired.

    Without ``cert_dir`` a fresh temporary directory is used (one CA per emulator).
    """
    cert_dir = cert_dir or tempfile.mkdtemp(prefix="emulator-tls-")
    os.makedirs(cert_dir, exist_ok=True)
    files = CertificateFiles(
        os.path.join(cert_dir, CA_FILE),
        os.path.join(cert_dir, CERT_FILE),
        os.path.join(cert_dir, KEY_FILE),
    )
    if not _still_valid(files):
        _write_certificates(files)
    return files


def _still_valid(files):
    paths = (files.ca_file, files.cert_file, files.key_file)
    if not all(os.path.exists(path) for path in paths):
        return False
    with open(files.cert_file, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    # a day of margin so a long test run never sees the certificate expire
    margin = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    return cert.not_valid_after_utc > margin


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "calendar_cloud_sync emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_certificates(files):
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("calendar_cloud_sync emulator CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(alt_names, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(files.ca_file, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(files.cert_file, server_cert.public_bytes(serialization.Encoding.PEM))
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(files.key_file, key_pem, mode=0o600)


def _write(path, data, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
