from . import notify_google, notify_microsoft, oauth
