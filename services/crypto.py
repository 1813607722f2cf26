"""Encryption at rest for OAuth tokens and client secrets (DESIGN.md rule 9).

The key never lives in the database: it comes from the Odoo server config option
``calendar_cloud_sync_key`` (comma-separated Fernet keys, the first one encrypts) or from a
key file in the data directory that is created on first use.
"""

import json
import os
import stat
import tempfile
import time

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with any configured key."""


class KeyFileError(ValueError):
    """The key file is unsafe, unreadable or does not hold valid keys."""


def generate_key() -> str:
    """A new random Fernet key, as text (url-safe base64 of 32 bytes)."""
    return Fernet.generate_key().decode("ascii")


def _parse_keys(text: str) -> list[bytes]:
    """Split comma- or newline-separated keys, ignoring blanks."""
    parts = text.replace("\n", ",").split(",")
    return [part.strip().encode("ascii") for part in parts if part.strip()]


class TokenCipher:
    """Fernet encryption with key rotation: the first key encrypts, every key decrypts."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ValueError("TokenCipher needs at least one Fernet key")
        fernets = []
        for index, key in enumerate(keys):
            if isinstance(key, str):
                key = key.encode("ascii")
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # The message names the position only: the bad value may be a real secret.
                raise ValueError(
                    f"encryption key #{index + 1} is not a valid Fernet key "
                    "(expected 32 url-safe base64-encoded bytes)"
                ) from None
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_sources(cls, config_value: str | None, key_file: str) -> "TokenCipher":
        """Keys from the server config value if set, else from ``key_file`` (created if missing)."""
        if config_value and config_value.strip():
            try:
                keys = _parse_keys(config_value)
            except UnicodeEncodeError:
                raise ValueError("calendar_cloud_sync_key holds non-ASCII characters") from None
            return cls(keys)
        return cls(_read_or_create_key_file(key_file))

    def encrypt(self, text: str | None) -> str | None:
        if text is None or text == "":
            return None
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if token is None or token == "":
            return None
        try:
            data = token.encode("ascii") if isinstance(token, str) else token
            return self._fernet.decrypt(data).decode("utf-8")
        except (InvalidToken, UnicodeError, TypeError, ValueError):
            raise DecryptionError(
                "stored secret cannot be decrypted: it was encrypted with a key that is not "
                "configured any more, or it is corrupted"
            ) from None

    def encrypt_json(self, obj) -> str | None:
        if obj is None:
            return None
        return self.encrypt(json.dumps(obj, sort_keys=True, separators=(",", ":")))

    def decrypt_json(self, token: str | None):
        text = self.decrypt(token)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise DecryptionError("stored secret decrypted but is not valid JSON") from None

    def rotate(self, token: str | None) -> str | None:
        """Re-encrypt ``token`` with the first key, so an old key can be retired."""
        if token is None or token == "":
            return None
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise DecryptionError(
                "stored secret cannot be re-encrypted: no configured key decrypts it"
            ) from None


def _read_or_create_key_file(path: str) -> list[bytes]:
    if not os.path.exists(path):
        _create_key_file(path)
    return _read_key_file(path)


def _create_key_file(path: str) -> None:
    """Publish a new key at ``path`` unless another process got there first."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=".key-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as tmp:
            tmp.write(generate_key() + "\n")
            tmp.flush()
            os.fsync(tmp.fileno())
        try:
            # link() never replaces an existing file and the target appears complete at once,
            # so concurrent starters all end up reading the single winner's key.
            os.link(tmp_path, path)
        except FileExistsError:
            return  # another process published its key first: everyone reads that one
        except OSError:
            _create_exclusive(path, tmp_path)
    finally:
        os.unlink(tmp_path)


def _create_exclusive(path: str, tmp_path: str) -> None:
    """Fallback for file systems without hard links: O_EXCL create, then copy the key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with open(tmp_path, encoding="ascii") as src, os.fdopen(fd, "w", encoding="ascii") as dst:
        dst.write(src.read())
        dst.flush()
        os.fsync(dst.fileno())


def _read_key_file(path: str) -> list[bytes]:
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise KeyFileError(f"encryption key file {path} is not a regular file")
    if mode & 0o077:
        raise KeyFileError(
            f"encryption key file {path} is accessible by other users "
            f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    # The O_EXCL fallback leaves the file empty for a moment while its creator writes it.
    for _attempt in range(50):
        with open(path, encoding="ascii", errors="replace") as handle:
            text = handle.read()
        if text.strip():
            break
        time.sleep(0.02)
    else:
        raise KeyFileError(f"encryption key file {path} is empty")
    try:
        keys = _parse_keys(text)
        TokenCipher(keys)
    except (ValueError, UnicodeError):
        raise KeyFileError(
            f"encryption key file {path} does not hold valid Fernet keys "
            "(one per line or comma-separated)"
        ) from None
    return keys
