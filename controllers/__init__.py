from . import availability, oauth, webhooks
