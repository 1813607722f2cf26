import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("calendar_cloud_sync_preferences", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        { trigger: ".modal button[name=action_cloud_sync_connect_google]" },
        { trigger: ".modal button[name=action_cloud_sync_connect_microsoft]" },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_data_row:contains(Work calendar):contains(Connected)",
        },
        {
            trigger: ".modal [name=cloud_sync_account_ids] button[name=action_disconnect]",
            run: "click",
        },
        { trigger: ".modal-footer .btn-primary:contains(Ok)", run: "click" },
        { trigger: ".o_notification:contains(Disconnected: Google)" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        {
            trigger: ".modal [name=cloud_sync_account_ids] .o_data_row:contains(Disconnected)",
        },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_data_row:not(:has(button[name=action_disconnect]))",
        },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_join_buttons", {
    steps: () => [
        { trigger: ".o_form_view button[name=action_join_google_meet]:contains(Join Google Meet)" },
        { trigger: ".o_form_view [name=online_meeting_provider]" },
        {
            trigger: ".o_form_view:not(:has(button[name=action_join_teams_meeting]))",
        },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_settings", {
    steps: () => [
        { trigger: "#ccs_google_setting:not(:has(.text-success))" },
        {
            trigger: "#ccs_google_setting div[name=ccs_google_client_secret] input",
            run: "edit tour-google-secret",
        },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: "#ccs_google_setting .text-success:contains(A secret is stored)" },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_connect_google", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        // leaves Odoo for the provider's consent page, which sends the browser back
        {
            trigger: ".modal button[name=action_cloud_sync_connect_google]",
            run: "click",
        },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_data_row:contains(grace@example.com):contains(Connected)",
        },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_new_meet_event", {
    steps: () => [
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=name] input", run: "edit Tour Meet" },
        {
            trigger: ".o_form_view .o_field_widget[name=online_meeting_provider] select",
            run: 'select "google_meet"',
        },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved, .o_form_view:not(:has(.o_form_dirty))" },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_join_meet_popover", {
    steps: () => [
        { trigger: ".fc-event:contains(Tour Meet)", run: "click" },
        {
            trigger:
                ".o_cw_popover a[href^='https://meet.google.com/']:contains(Join Google Meet)",
        },
    ],
});
