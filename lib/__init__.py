"""Odoo-aware helpers that are not models: settings, secrets, labels, the native syncs."""
