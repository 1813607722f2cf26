"""Google Calendar API v3 + Google OAuth 2.0 emulator (placeholder, being written)."""

from .core import ProviderEmulator


class GoogleEmulator(ProviderEmulator):
    name = "google"
