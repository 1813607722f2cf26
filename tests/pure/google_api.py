"""A small client of the Google emulator's Calendar API for the emulator's own tests."""

import requests


class GoogleApi:
    """Calls as one user of the emulator (bearer token), on their primary calendar."""

    def __init__(self, emulator, email):
        self.emulator = emulator
        self.token = emulator.providers["google"].add_user(email)

    def __call__(self, method, path, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        headers.setdefault("Authorization", f"Bearer {token or self.token}")
        url = self.emulator.url("google", "/calendar/v3" + path)
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    def insert(self, body, **params):
        response = self("POST", "/calendars/primary/events", json=body, params=params)
        assert response.status_code == 200, response.text
        return response.json()
