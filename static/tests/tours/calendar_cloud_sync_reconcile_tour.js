import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("calendar_cloud_sync_reconcile", {
    steps: () => [
        { trigger: ".modal .o_field_widget[name=account_id] input:value(rita@example.com)" },
        { trigger: ".modal button.o_ccs_compare", run: "click" },
        { trigger: ".modal .o_data_row:contains(Tour planning):contains(title)" },
        { trigger: ".modal .o_data_row:contains(Tour planning) button.o_ccs_repair", run: "click" },
        { trigger: ".modal .o_ccs_reconcile_clean:contains(agree)" },
        { trigger: ".modal:not(:has(.o_data_row))" },
    ],
});
