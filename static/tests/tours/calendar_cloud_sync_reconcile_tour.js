import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_reconcile", {
    steps: () => [
        { trigger: ".o_main_navbar button:contains(Cloud Sync)", run: "click" },
        { trigger: ".o-dropdown--menu .dropdown-item:contains(Reconciliation)", run: "click" },
        { trigger: ".modal .o_ccs_wizard_purpose:contains(only reads)" },
        { trigger: ".modal .o_field_widget[name=account_id] input:value(rita@example.com)" },
        { trigger: ".modal button.o_ccs_compare", run: "click" },
        // the line shows both values of what differs
        { trigger: ".modal .o_data_row:contains(Tour planning) [name=odoo_value]:contains(Title)" },
        { trigger: ".modal .o_data_row:contains(Tour planning) [name=remote_value]:contains(Tour moved)" },
        { trigger: ".modal .o_data_row:contains(Tour at Google only):contains(Missing in Odoo)" },
        { trigger: ".modal .o_data_row:contains(Tour unsent):contains(Missing at the provider)" },
        screenshot("reconciliation_report", ".modal .o_data_row"),
        // one line repaired on its own, then the rest in bulk
        { trigger: ".modal .o_data_row:contains(Tour planning) button.o_ccs_repair", run: "click" },
        { trigger: ".modal:not(:has(.o_data_row:contains(Tour planning)))" },
        { trigger: ".modal .o_data_row:contains(Tour unsent)" },
        { trigger: ".modal button[name=action_repair_all]", run: "click" },
        { trigger: ".modal-footer .btn-primary:contains(Ok)", run: "click" },
        { trigger: ".modal .o_ccs_reconcile_clean:contains(agree)" },
        { trigger: ".modal:not(:has(.o_data_row))" },
    ],
});
