"""The reconciliation report on both providers, through the same scenarios: a calendar in
sync (series and a moved occurrence included) reports nothing, and what the incremental
cursor missed at the provider is found and repaired."""

from datetime import timedelta

from odoo.tests import tagged

from .test_sync_google import START, GoogleSyncCase
from .test_sync_microsoft import MicrosoftSyncCase


class ReconcileScenarios:
    """Provider cases supply rename_remotely, delete_remotely and remote_titles."""

    allow_inherited_tests_method = True  # Odoo's loader runs only a class's own methods else

    def report(self):
        return self.reconcile(START.date() - timedelta(days=3), START.date() + timedelta(days=10))

    def test_a_calendar_in_sync_with_a_series_and_a_moved_occurrence_reports_nothing(self):
        guest = self.env["res.partner"].create({"name": "Gus", "email": "gus@example.com"})
        self.new_event(name="Single", partner_ids=[(6, 0, (self.alice.partner_id | guest).ids)])
        base = self.new_event(
            name="Standup",
            start=START + timedelta(hours=3),
            recurrency=True,
            rrule_type="daily",
            interval=1,
            end_type="count",
            count=5,
        )
        self.run_jobs()
        occurrences = self.env["calendar.event"].search(
            [("recurrence_id", "=", base.recurrence_id.id)], order="start"
        )
        third = occurrences[2]
        third.write(
            {"start": third.start + timedelta(hours=2), "stop": third.stop + timedelta(hours=2)}
        )
        self.run_jobs()
        self.account._enqueue_pull()
        self.run_jobs()
        wizard = self.report()
        self.assertRegex(wizard.summary, r"^Events at the provider: [1-9]\d*\. Differences: 0\.")
        self.assertFalse(
            wizard.line_ids,
            wizard.line_ids.mapped(lambda line: (line.kind, line.name, line.detail)),
        )

    def test_a_rename_the_cursor_missed_is_found_and_imported(self):
        event = self.new_event(name="Planning")
        self.run_jobs()
        self.rename_remotely(self.binding(event).external_id, "Planning (renamed)")
        self.skip_cursor_past_provider_changes()
        [line] = self.report().line_ids
        self.assertEqual((line.kind, line.detail, line.repair), ("different", "title", "import"))
        self.assertIn("<b>Title</b>: Planning<", str(line.odoo_value))
        self.assertIn("<b>Title</b>: Planning (renamed)<", str(line.remote_value))
        line.action_repair()
        self.run_jobs()
        self.assertEqual(event.name, "Planning (renamed)")
        self.assertEqual(self.remote_titles(), ["Planning (renamed)"])
        self.assertFalse(self.report().line_ids)

    def test_an_event_deleted_at_the_provider_unnoticed_is_sent_again(self):
        event = self.new_event(name="Kept in Odoo")
        self.run_jobs()
        self.delete_remotely(self.binding(event).external_id)
        self.skip_cursor_past_provider_changes()
        [line] = self.report().line_ids
        self.assertEqual((line.kind, line.repair), ("orphan", "drop"))
        line.action_repair()
        self.run_jobs()
        self.assertEqual(self.remote_titles(), ["Kept in Odoo"])
        self.assertTrue(event.active)
        self.assertFalse(self.report().line_ids)


@tagged("post_install", "-at_install")
class TestReconcileGoogle(ReconcileScenarios, GoogleSyncCase):
    def rename_remotely(self, external_id, title):
        self.google.change_event("alice@example.com", external_id, {"summary": title})

    def delete_remotely(self, external_id):
        self.google.remove_event("alice@example.com", external_id)

    def remote_titles(self):
        return sorted(e["summary"] for e in self.google.events_of("alice@example.com"))


@tagged("post_install", "-at_install")
class TestReconcileMicrosoft(ReconcileScenarios, MicrosoftSyncCase):
    def rename_remotely(self, external_id, title):
        self.microsoft.change_event("alice@example.com", external_id, {"subject": title})

    def delete_remotely(self, external_id):
        self.graph("DELETE", f"/me/events/{external_id}")

    def remote_titles(self):
        return sorted(item["subject"] for item in self.outlook_events())
