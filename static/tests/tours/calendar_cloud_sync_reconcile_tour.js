import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_reconcile", {
    steps: () => [
        { trigger: ".modal .o_field_widget[name=account_id] input:value(rita@example.com)" },
        { trigger: ".modal button.o_ccs_compare", run: "click" },
        { trigger: ".modal .o_data_row:contains(Tour planning):contains(title)" },
        screenshot("reconciliation_report", ".modal .o_data_row"),
        { trigger: ".modal .o_data_row:contains(Tour planning) button.o_ccs_repair", run: "click" },
        { trigger: ".modal .o_ccs_reconcile_clean:contains(agree)" },
        { trigger: ".modal:not(:has(.o_data_row))" },
    ],
});
