"""Provider clients and sync logic in plain Python: nothing here imports odoo."""
