import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

registry.category("web_tour.tours").add("calendar_cloud_sync_takeover", {
    steps: () => [
        { trigger: "#ccs_native_setting .alert-warning:contains(google_calendar)" },
        {
            trigger: "#ccs_native_setting button[name=action_ccs_open_takeover]",
            run: "click",
        },
        { trigger: ".modal div[name=candidate_ids]:contains(Tour Taker)" },
        screenshot("takeover_wizard", ".modal div[name=candidate_ids]"),
        {
            trigger: ".modal div[name=scope] .o_radio_item:contains(Chosen users) input",
            run: "click",
        },
        { trigger: ".modal div[name=user_ids] input", run: "edit Tour Taker" },
        { trigger: ".modal .ui-menu-item a:contains(Tour Taker)", run: "click" },
        { trigger: ".modal div[name=user_ids] .o_tag:contains(Tour Taker)" },
        { trigger: ".modal button[name=action_take_over]", run: "click" },
        { trigger: ".modal-footer .btn-primary:contains(Ok)", run: "click" },
        { trigger: ".modal .alert-success:contains(Take-over done)" },
        { trigger: ".modal .modal-title:contains(Take over from Odoo's own sync)" },
        {
            trigger:
                ".modal div[name=result]:contains(Tour Taker: 1 links adopted, Odoo's own sync switched off)",
        },
        screenshot("takeover_done", ".modal div[name=result]"),
    ],
});
