import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

const line = (field) => `.o_ccs_conflict_form .o_ccs_conflict_line:contains(${field})`;

registry.category("web_tour.tours").add("calendar_cloud_sync_conflict", {
    steps: () => [
        // the calendar marks the event; its popover leads to the form
        { trigger: ".fc-event:contains(Budget review) .o_ccs_conflict_mark" },
        { trigger: ".fc-event:contains(Budget review)", run: "click" },
        { trigger: ".o_cw_popover .o_cw_popover_edit", run: "click" },
        { trigger: ".o_form_view .o_ccs_conflict_banner:contains(Sync conflict)" },
        {
            trigger: ".o_ccs_conflict_banner button[name=action_open_sync_conflict]",
            run: "click",
        },
        // one card per conflicting field, the three values side by side
        { trigger: `${line("Title")} .o_ccs_base:contains(Budget)` },
        { trigger: `${line("Title")} .o_ccs_odoo:contains(Budget review)` },
        { trigger: `${line("Title")} .o_ccs_remote:contains(Budget meeting)` },
        { trigger: `${line("Location")} .o_ccs_remote:contains(Room 9)` },
        { trigger: ".o_ccs_conflict_form:contains(Merged automatically):contains(Notes)" },
        screenshot("conflict_resolution", ".o_ccs_conflict_form"),
        { trigger: `${line("Title")} button[name=action_choose_odoo]`, run: "click" },
        { trigger: `${line("Title")} .o_ccs_odoo.o_ccs_chosen .o_ccs_kept` },
        { trigger: `${line("Location")} button[name=action_choose_remote]`, run: "click" },
        { trigger: `${line("Location")} .o_ccs_remote.o_ccs_chosen .o_ccs_taken` },
        { trigger: ".o_statusbar_buttons button[name=action_apply]", run: "click" },
        { trigger: ".o_statusbar_status .o_arrow_button_current:contains(Resolved)" },
        { trigger: ".o_ccs_conflict_form:not(:has(.o_statusbar_buttons button[name=action_apply]))" },
    ],
});
