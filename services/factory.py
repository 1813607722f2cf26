"""The connector of a provider: the one place that knows every provider's package. It imports
them; nothing in services/ imports it (the ORM does)."""

from .google.connector import GoogleConnector
from .microsoft.connector import MicrosoftConnector

CONNECTORS = {"google": GoogleConnector, "microsoft": MicrosoftConnector}


def connector_for(provider, settings):
    return CONNECTORS[provider](settings)
