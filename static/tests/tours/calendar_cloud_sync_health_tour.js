import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_health", {
    steps: () => [
        {
            trigger: ".o_kanban_record:contains(alice@example.com) .o_ccs_failed_badge",
            run: "click",
        },
        { trigger: ".o_form_view .o_field_widget[name=name]:contains(alice@example.com)" },
        screenshot("sync_health_account", ".o_form_view button[name=action_view_failed_jobs]"),
        { trigger: "button[name=action_view_failed_jobs]", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains(Bring the changes of)" },
        { trigger: ".breadcrumb-item a:contains(alice@example.com)", run: "click" },
        { trigger: "button[name=action_retry_failed_jobs]", run: "click" },
        { trigger: ".o_notification:contains(Failed jobs queued again: 1)" },
        {
            trigger: ".o_form_view:not(:has(button[name=action_view_failed_jobs]:visible))",
        },
    ],
});

const card = (email) => `.o_kanban_record:contains(${email})`;

registry.category("web_tour.tours").add("calendar_cloud_sync_health_overview", {
    steps: () => [
        // first what needs attention: a revoked consent and a failed job, not the healthy ones
        { trigger: `${card("chloe@example.com")} .badge:contains(Needs re-authorization)` },
        { trigger: `${card("dmitri@example.com")} .o_ccs_failed_badge:contains(1)` },
        // each card names its user, not only an avatar letter
        { trigger: `${card("chloe@example.com")} .o_ccs_health_user:contains(Chloe)` },
        { trigger: `.o_kanban_renderer:not(:has(${card("alice@example.com")}))` },
        { trigger: ".o_searchview_facet:contains(Needs Attention) .o_facet_remove", run: "click" },
        // then every account, both providers, with its last pull and push
        { trigger: `${card("alice@example.com")}:contains(Google) .badge:contains(Connected)` },
        { trigger: `${card("bruno@example.com")}:contains(Microsoft) .badge:contains(Connected)` },
        { trigger: `${card("bruno@example.com")}:not(:contains(Last push: never))` },
        { trigger: `${card("bruno@example.com")}:contains(Last notification: never)` },
        // the test server listens on plain HTTP: no push notifications, and the cards say so
        { trigger: `${card("bruno@example.com")} .o_ccs_webhook_warning:contains(polling)` },
        screenshot("sync_health_dashboard", card("dmitri@example.com")),
        // the API requests each provider cost, from the sync log
        { trigger: ".o_main_navbar button:contains(Cloud Sync)", run: "click" },
        { trigger: ".o-dropdown--menu .dropdown-item:contains(API Requests)", run: "click" },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Google)" },
        { trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Microsoft)" },
        screenshot("sync_api_requests", ".o_pivot"),
    ],
});
