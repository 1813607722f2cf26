"""Shared set-up of the Odoo tests: one emulator per test process, and the addon pointed at it
through its system parameters and settings, exactly as an admin would configure it."""

from odoo.tools import config

from ..emulator import Emulator, addon_config

_EMULATOR = None


def get_emulator():
    """The process-wide emulator (started once; tests reset it)."""
    global _EMULATOR
    if _EMULATOR is None:
        _EMULATOR = Emulator()
        _EMULATOR.start()
    return _EMULATOR


def odoo_base_url():
    return f"http://127.0.0.1:{config['http_port']}"


class EmulatorMixin:
    """For TransactionCase / HttpCase classes: ``cls.emulator`` is clean for each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_base_url())
        addon_config.configure(
            cls.env,
            cls.emulator.base_url,
            cls.emulator.tls_base_url,
            cls.emulator.ca_file,
            odoo_base_url(),
        )

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.addCleanup(self.emulator.notifier.flush)
