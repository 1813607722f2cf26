"""The process-wide cipher for secrets stored by the addon (DESIGN.md rule 9)."""

import functools
import os

from odoo.tools import config

from ..services.crypto import TokenCipher

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
