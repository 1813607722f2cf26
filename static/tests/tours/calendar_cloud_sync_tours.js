import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_preferences", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        // Google is connected: only Microsoft is offered
        { trigger: ".modal button[name=action_cloud_sync_connect_microsoft]" },
        { trigger: ".modal:not(:has(button[name=action_cloud_sync_connect_google]))" },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_kanban_record:contains(Work calendar):contains(Connected)",
        },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_ccs_status_text:contains(Connected to Google as tour@example.com)",
        },
        { trigger: ".modal [name=cloud_sync_account_ids] button[name=action_sync_now]" },
        { trigger: ".modal [name=cloud_sync_account_ids] div[name=last_synced]:contains(not yet)" },
        screenshot("preferences", ".modal [name=cloud_sync_account_ids]"),
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
            trigger: ".modal [name=cloud_sync_account_ids] .o_kanban_record:contains(Disconnected)",
        },
        {
            trigger:
                ".modal [name=cloud_sync_account_ids] .o_kanban_record:not(:has(button[name=action_disconnect]))",
        },
        // disconnected: Google can be connected again
        { trigger: ".modal button[name=action_cloud_sync_connect_google]" },
    ],
});

// One meeting block: the Meet chosen, one Join button and no second copy of the link from
// Odoo's own video call row (its "Join video call" and "Clear meeting").
const oneMeetBlock = [
    { trigger: ".o_form_view button[name=action_join_google_meet]:contains(Join Google Meet)" },
    { trigger: ".o_form_view [name=online_meeting_provider]" },
    { trigger: ".o_form_view:not(:has(button[name=action_join_teams_meeting]))" },
    { trigger: ".o_form_view:not(:has(button[name=action_join_video_call]))" },
    { trigger: ".o_form_view:not(:has(button[name=clear_videocall_location]))" },
    { trigger: ".o_form_view:not(:has(div[name=videocall_location_div]:visible))" },
];

// Sync settings: the user's choices only, a mode for each of their real calendars
registry.category("web_tour.tours").add("calendar_cloud_sync_sync_settings", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        {
            trigger: ".modal [name=cloud_sync_account_ids] button[name=action_open_form]",
            run: "click",
        },
        { trigger: ".modal .modal-title:contains(Sync settings)" },
        { trigger: ".modal [name=calendar_ids] .o_data_row:contains(sam@example.com)" },
        { trigger: ".modal:not(:has([name=last_notification_at]))" },
        { trigger: ".modal:not(:has([name=channel_expiration]))" },
        { trigger: ".modal [name=default_meeting]" },
        { trigger: ".modal [name=private_events]" },
        screenshot("sync_settings", ".modal [name=calendar_ids]"),
        {
            trigger: ".modal [name=calendar_ids] .o_data_row:contains(Team calendar) td[name=mode]",
            run: "click",
        },
        {
            trigger: ".modal [name=calendar_ids] .o_selected_row [name=mode] select",
            run: 'select "two_way"',
        },
        { trigger: ".modal button[name=action_save]", run: "click" },
        { trigger: "body:not(:has(.modal-title:contains(Sync settings)))" },
    ],
});

registry.category("web_tour.tours").add("calendar_cloud_sync_join_buttons", {
    steps: () => [
        ...oneMeetBlock,
        // choosing no online meeting removes the link: nothing left to join
        {
            trigger: ".o_form_view .o_field_widget[name=online_meeting_provider] select",
            run: 'select "none"',
        },
        { trigger: ".o_form_view:not(:has(button[name=action_join_google_meet]))" },
        { trigger: ".o_form_view:not(:has(button[name=action_join_video_call]))" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved, .o_form_view:not(:has(.o_form_dirty))" },
    ],
});

// The "Odoo" choice is Odoo's own video call: its link and one Join button; the choice, not a
// second button, adds and removes it.
registry.category("web_tour.tours").add("calendar_cloud_sync_odoo_meeting", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name=online_meeting_provider] select" },
        { trigger: ".o_form_view:not(:has(button[name=set_discuss_videocall_location]))" },
        {
            trigger: ".o_form_view .o_field_widget[name=online_meeting_provider] select",
            run: 'select "odoo"',
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name=videocall_location]:contains(/calendar/join_videocall/)",
        },
        { trigger: ".o_form_view button[name=action_join_video_call]" },
        { trigger: ".o_form_view:not(:has(button[name=clear_videocall_location]))" },
        { trigger: ".o_form_view:not(:has(button[name=action_join_google_meet]))" },
        screenshot("event_meeting", ".o_form_view button[name=action_join_video_call]"),
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved, .o_form_view:not(:has(.o_form_dirty))" },
    ],
});

// The dialog that creates an event from the calendar offers the same meeting choice
function clickSlot(selector) {
    const lane = document.querySelector(selector);
    lane.scrollIntoView();
    const box = lane.getBoundingClientRect();
    const where = { bubbles: true, which: 1, button: 0, clientX: box.x + box.width / 2 };
    where.clientY = box.y + box.height / 2;
    lane.dispatchEvent(new MouseEvent("mousedown", where));
    lane.dispatchEvent(new MouseEvent("mouseup", where));
}

registry.category("web_tour.tours").add("calendar_cloud_sync_quick_create_meeting", {
    steps: () => [
        {
            trigger: ".fc-timegrid-slot-lane[data-time='10:00:00']",
            run: () => clickSlot(".fc-timegrid-slot-lane[data-time='10:00:00']"),
        },
        { trigger: ".modal .o_field_widget[name=online_meeting_provider] select" },
        { trigger: ".modal:not(:has(button[name=set_discuss_videocall_location]))" },
        { trigger: ".modal .o_field_widget[name=name] input", run: "edit Quick Odoo meeting" },
        {
            trigger: ".modal .o_field_widget[name=online_meeting_provider] select",
            run: 'select "odoo"',
        },
        {
            trigger:
                ".modal .o_field_widget[name=videocall_location]:contains(/calendar/join_videocall/)",
        },
        { trigger: ".modal:not(:has(button[name=clear_videocall_location]))" },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".fc-event:contains(Quick Odoo meeting)" },
    ],
});

// A Teams meeting Outlook holds: the form says it stays, and offers no way that would pretend
registry.category("web_tour.tours").add("calendar_cloud_sync_teams_kept", {
    steps: () => [
        { trigger: ".o_form_view button[name=action_join_teams_meeting]" },
        { trigger: ".o_form_view div[name=teams_kept_note]:contains(Outlook keeps a Teams meeting)" },
        { trigger: ".o_form_view .o_field_widget[name=online_meeting_provider]:not(:has(select))" },
        { trigger: ".o_form_view:not(:has(button[name=clear_videocall_location]))" },
    ],
});

// An occurrence of a series with a Meet: the series' Meet, in the popover and on the form,
// and the popover says how the event stands with the connected calendars.
registry.category("web_tour.tours").add("calendar_cloud_sync_join_occurrence", {
    steps: () => [
        { trigger: ".fc-event:contains(Weekly Meet)", run: "click" },
        {
            trigger:
                ".o_cw_popover a[href='https://meet.google.com/tour-series-abc']:contains(Join Google Meet)",
        },
        { trigger: ".o_cw_popover:not(:has(a:contains(Join Video Call)))" },
        { trigger: ".o_cw_popover [name=cloud_sync_state]:contains(Synced)" },
        { trigger: ".o_cw_popover .o_cw_popover_edit", run: "click" },
        ...oneMeetBlock,
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

registry.category("web_tour.tours").add("calendar_cloud_sync_settings_help", {
    steps: () => [
        {
            trigger:
                "#sync_google_calendar_setting .o_ccs_native_note:contains(Odoo's own Google sync)",
        },
        { trigger: "#sync_outlook_calendar_setting .o_ccs_native_note" },
        {
            trigger:
                "#ccs_google_setting div[name=ccs_google_redirect_uri]:contains(/calendar_cloud_sync/google/callback)",
        },
        { trigger: "#ccs_google_setting div[name=ccs_google_redirect_uri] .o_clipboard_button" },
        {
            trigger:
                "#ccs_microsoft_setting div[name=ccs_microsoft_redirect_uri]:contains(/calendar_cloud_sync/microsoft/callback)",
        },
        { trigger: "#ccs_webhook_setting .alert-warning:contains(polling)" },
        { trigger: "#ccs_google_setting button[name=action_ccs_test_google]", run: "click" },
        { trigger: ".o_notification:contains(accepted)" },
    ],
});

/**
 * The tours of one provider, from connecting the account to joining an online meeting:
 * - calendar_cloud_sync_connect_<provider>: Preferences -> Connect; the provider's consent
 *   page (approving at once in tests) sends the browser back to the calendar with a
 *   notification that it worked, and Preferences show the account connected;
 * - calendar_cloud_sync_new_<meeting>_event: a new event asking for the provider's meeting;
 * - calendar_cloud_sync_join_<meeting>_popover: once synced, the calendar popover and the
 *   event's form both offer to join the meeting at the provider's URL.
 */
function registerProviderTours({ provider, label, email, meeting, option, eventName, join }) {
    registry.category("web_tour.tours").add(`calendar_cloud_sync_connect_${provider}`, {
        url: "/odoo",
        steps: () => [
            { trigger: ".o_user_menu button", run: "click" },
            { trigger: "[data-menu=settings]", run: "click" },
            { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
            // leaves Odoo for the provider's consent page, which sends the browser back
            {
                trigger: `.modal button[name=action_cloud_sync_connect_${provider}]`,
                run: "click",
            },
            // back on the calendar, not on a dialog over an empty page, and told it worked
            {
                trigger: `.o_notification:contains(Connected to ${label} as ${email}):contains(first import running)`,
            },
            { trigger: "body:not(:has(.modal)) .o_calendar_view" },
            { trigger: ".o_user_menu button", run: "click" },
            { trigger: "[data-menu=settings]", run: "click" },
            { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
            {
                trigger: `.modal [name=cloud_sync_account_ids] .o_kanban_record:contains(${email}):contains(Connected)`,
            },
        ],
    });

    registry.category("web_tour.tours").add(`calendar_cloud_sync_new_${meeting}_event`, {
        steps: () => [
            { trigger: ".o_list_button_add", run: "click" },
            { trigger: ".o_form_view .o_field_widget[name=name] input", run: `edit ${eventName}` },
            {
                trigger: ".o_form_view .o_field_widget[name=online_meeting_provider] select",
                run: `select "${option}"`,
            },
            { trigger: ".o_form_button_save", run: "click" },
            { trigger: ".o_form_saved, .o_form_view:not(:has(.o_form_dirty))" },
        ],
    });

    registry.category("web_tour.tours").add(`calendar_cloud_sync_join_${meeting}_popover`, {
        steps: () => [
            { trigger: `.fc-event:contains(${eventName})`, run: "click" },
            {
                trigger: `.o_cw_popover a[href^='${join.url}']:contains(${join.text})`,
            },
            { trigger: ".o_cw_popover .o_cw_popover_edit", run: "click" },
            {
                trigger: `.o_form_view button[name=${join.button}]:contains(${join.text})`,
            },
        ],
    });
}

registerProviderTours({
    provider: "google",
    label: "Google",
    email: "grace@example.com",
    meeting: "meet",
    option: "google_meet",
    eventName: "Tour Meet",
    join: {
        url: "https://meet.google.com/",
        text: "Join Google Meet",
        button: "action_join_google_meet",
    },
});

registerProviderTours({
    provider: "microsoft",
    label: "Microsoft",
    email: "alan@example.com",
    meeting: "teams",
    option: "teams",
    eventName: "Tour Teams",
    join: {
        url: "https://teams.microsoft.com/",
        text: "Join Teams meeting",
        button: "action_join_teams_meeting",
    },
});

// Busy mirroring in Preferences: a rule from Odoo into a team calendar, titles shown
registry.category("web_tour.tours").add("calendar_cloud_sync_busy_mirroring", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu button", run: "click" },
        { trigger: "[data-menu=settings]", run: "click" },
        { trigger: ".modal .nav-link:contains(Calendar sync)", run: "click" },
        { trigger: ".modal .o_horizontal_separator:contains(Busy mirroring)" },
        {
            trigger: ".modal [name=cloud_sync_mirror_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger:
                ".modal [name=cloud_sync_mirror_ids] .o_selected_row [name=target_calendar_id] input",
            run: "edit Team",
        },
        { trigger: ".modal .ui-menu-item a:contains(Team calendar)", run: "click" },
        {
            trigger: ".modal [name=cloud_sync_mirror_ids] .o_selected_row [name=privacy] select",
            run: 'select "title"',
        },
        { trigger: ".modal button[name=preference_save]", run: "click" },
        { trigger: "body:not(:has(.modal))" },
    ],
});
