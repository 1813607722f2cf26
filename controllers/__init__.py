from . import notify_google, oauth
