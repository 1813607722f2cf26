import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

const row = (email) => `.modal [name=resync_account_ids] .o_data_row:contains(${email})`;

// an admin starts a resync of every account of the company from Calendar's Cloud Sync menu
registry.category("web_tour.tours").add("calendar_cloud_sync_resync", {
    steps: () => [
        { trigger: ".o_main_navbar button:contains(Cloud Sync)", run: "click" },
        { trigger: ".o-dropdown--menu .dropdown-item:contains(Resync)", run: "click" },
        { trigger: ".modal .o_ccs_wizard_purpose:contains(one job per month of range)" },
        {
            trigger: ".modal div[name=scope] .o_radio_item:contains(Every account) input",
            run: "click",
        },
        { trigger: ".modal div[name=direction] .o_radio_item:contains(Both) input:checked" },
        { trigger: ".modal button[name=action_start]", run: "click" },
        { trigger: ".modal .alert-info:contains(Resync running as jobs)" },
        { trigger: `${row("rita@example.com")} .badge:contains(Queued)` },
        { trigger: `${row("remy@example.com")} .badge:contains(Queued)` },
        { trigger: ".modal div[name=progress] .o_progressbar_value:contains(0)" },
    ],
});

// later, when rita's run is done and remy's has done 3 of its 8 steps, the same wizard shows
// how far the resync went: (100 + 37) / 2
registry.category("web_tour.tours").add("calendar_cloud_sync_resync_progress", {
    steps: () => [
        { trigger: ".modal button[name=action_refresh]", run: "click" },
        { trigger: ".modal div[name=progress] .o_progressbar_value:contains(68)" },
        { trigger: `${row("rita@example.com")} .badge:contains(Done)` },
        { trigger: `${row("remy@example.com")} .badge:contains(Running)` },
        { trigger: `${row("remy@example.com")}:contains(Steps done: 3 of 8)` },
        screenshot("resync_progress", ".modal div[name=progress]"),
        { trigger: ".modal .alert-info:contains(Resync running as jobs)" },
    ],
});
