"""Secrets kept by the addon (tokens, client secrets, channel tokens), encrypted in the
database with the key outside it (DESIGN.md rule 9): the process-wide cipher, and the
helpers for the client secrets of the settings."""

import functools
import os

from odoo.tools import config

from ..services.crypto import DecryptionError, TokenCipher

KEY_FILE_NAME = "calendar_cloud_sync.key"


def get_cipher() -> TokenCipher:
    """The cipher for the server's key: ``calendar_cloud_sync_key`` in the config, else a key
    file in the data directory (created on first use)."""
    return _cipher_for(
        config.get("calendar_cloud_sync_key") or None,
        os.path.join(config["data_dir"], KEY_FILE_NAME),
    )


@functools.lru_cache(maxsize=4)
def _cipher_for(config_value, key_file):
    # Cached per (key source) so a changed server config in the same process is honoured.
    return TokenCipher.from_sources(config_value, key_file)


def encrypt_secret(value):
    """The ciphertext to store for ``value``; an empty value clears, ciphertext stays as is."""
    value = (value or "").strip()
    if not value:
        return False
    cipher = get_cipher()
    try:
        cipher.decrypt(value)
    except DecryptionError:
        return cipher.encrypt(value)
    # Already ours (e.g. an unchanged form value sent back): encrypting it again would lose it.
    return value


def decrypt_secret(stored):
    """The clear secret, or "" when nothing is stored."""
    return get_cipher().decrypt(stored or None) or ""
