"""Microsoft identity platform + Graph calendar emulator (placeholder, being written)."""

from .core import ProviderEmulator


class MicrosoftEmulator(ProviderEmulator):
    name = "microsoft"
