"""A small client of the Microsoft emulator's Graph API for the emulator's own tests."""

import requests


class GraphApi:
    """One user's raw Graph session on the emulator (paths relative to /v1.0, or absolute)."""

    def __init__(self, emulator, email):
        self.email = email
        self.base = emulator.url("microsoft", "/graph/v1.0")
        self.session = requests.Session()
        token = emulator.providers["microsoft"].add_user(email)
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, path if "://" in path else self.base + path, **kwargs)
