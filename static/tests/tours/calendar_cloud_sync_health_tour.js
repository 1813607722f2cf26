import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_health", {
    steps: () => [
        screenshot(
            "sync_health_dashboard",
            ".o_kanban_record:contains(alice@example.com) .o_ccs_failed_badge"
        ),
        {
            trigger: ".o_kanban_record:contains(alice@example.com) .o_ccs_failed_badge",
            run: "click",
        },
        { trigger: ".o_form_view .o_field_widget[name=name]:contains(alice@example.com)" },
        screenshot("sync_health_account", ".o_form_view button[name=action_view_failed_jobs]"),
        { trigger: "button[name=action_view_failed_jobs]", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains(Calendar sync: pull)" },
        { trigger: ".breadcrumb-item a:contains(alice@example.com)", run: "click" },
        { trigger: "button[name=action_retry_failed_jobs]", run: "click" },
        { trigger: ".o_notification:contains(1 failed jobs queued again)" },
        {
            trigger: ".o_form_view:not(:has(button[name=action_view_failed_jobs]:visible))",
        },
    ],
});
