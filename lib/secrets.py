"""Client secrets kept encrypted in the database, with the key outside it."""

from ..services.crypto import DecryptionError
from .crypto import get_cipher


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
