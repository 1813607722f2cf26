"""The French translation, loaded the way Odoo loads it when an admin adds French, and the
translation template checked against what Odoo exports from the installed addon."""

from pathlib import Path

from babel.messages.pofile import read_po

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.translate import TranslationModuleReader

TEMPLATE = Path(__file__).resolve().parents[1] / "i18n" / "calendar_cloud_sync.pot"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["calendar_cloud_sync"], ["fr_FR"], overwrite=True
        )
        cls.user = new_test_user(cls.env, "ccs_francoise", groups="base.group_user", lang="fr_FR")

    def test_the_template_holds_exactly_what_the_addon_has_to_translate(self):
        exported = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in (
                TranslationModuleReader(self.env.cr, modules=["calendar_cloud_sync"])
            )
            if module == "calendar_cloud_sync"
        }
        with TEMPLATE.open("rb") as handle:
            committed = {message.id for message in read_po(handle) if message.id}
        hint = "re-export the template (README, Translations)"
        self.assertEqual(sorted(exported - committed), [], hint)
        self.assertEqual(sorted(committed - exported), [], hint)

    def test_a_french_admin_reads_menus_views_and_fields_in_french(self):
        fr = self.env(context={"lang": "fr_FR"})
        menu = self.env.ref("calendar_cloud_sync.menu_cloud_sync_health").with_env(fr)
        self.assertEqual(menu.name, "Santé de la synchronisation")
        arch = fr["calendar.sync.resync.wizard"].get_view()["arch"]
        self.assertIn("Resynchronisation en cours sous forme de tâches", arch)
        self.assertNotIn("Resync running as jobs", arch)
        state = fr["calendar.sync.account"].fields_get(["resync_state"])["resync_state"]
        self.assertIn(("queued", "En file d'attente"), state["selection"])

    def test_a_french_user_reads_her_sync_status_and_errors_in_french(self):
        account = (
            self.env["calendar.sync.account"]
            .create({"user_id": self.user.id, "provider": "google", "state": "paused"})
            .with_user(self.user)
        )
        self.assertEqual(
            account.status_text, "En pause : rien n'est synchronisé avec Google pour le moment"
        )
        with self.assertRaisesRegex(UserError, "La période se termine avant de commencer"):
            self.env["calendar.sync.resync.wizard"].with_context(lang="fr_FR").create(
                {"date_from": "2026-02-01", "date_to": "2026-01-01"}
            )
