"""Local emulator of the Google Calendar API v3 and Microsoft Graph calendar APIs.

Pure Python (werkzeug + requests), no Odoo import: usable in-process by tests
(``Emulator().start()``) and standalone (``python -m emulator``).
"""

from .core import Emulator
from .provider import Fault, ProviderEmulator, json_response
