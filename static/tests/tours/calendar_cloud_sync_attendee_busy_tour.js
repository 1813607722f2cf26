import { registry } from "@web/core/registry";
import { screenshot } from "./screenshot";

const row = (name) => `.o_ccs_busy_bars .o_ccs_busy_row:contains(${name})`;

registry.category("web_tour.tours").add("calendar_cloud_sync_attendee_busy", {
    steps: () => [
        // Ada is busy at Google during half of the meeting: the slot is drawn in conflict
        { trigger: `${row("Ada Lovelace")}.o_ccs_conflict .o_ccs_busy_google` },
        {
            trigger: `${row("Ada Lovelace")} .o_ccs_busy_status:contains(Busy 10:30-11:00 at Google)`,
        },
        // Bob's Outlook says busy before the meeting; Carol has Odoo events only
        { trigger: `${row("Bob Martin")}:not(.o_ccs_conflict) .o_ccs_busy_microsoft` },
        { trigger: `${row("Bob Martin")} .o_ccs_busy_status:contains(Free)` },
        { trigger: `${row("Carol Diaz")} .o_ccs_busy_odoo` },
        // a calendar that cannot be asked is said, never taken for free time
        {
            trigger: `${row("Dan Ng")} .o_ccs_busy_down:contains(Google did not answer: Odoo events only)`,
        },
        {
            trigger: ".o_form_view .o_ccs_busy_bars",
            run: ({ anchor }) => anchor.scrollIntoView({ block: "center" }),
        },
        screenshot("attendee_busy", ".o_form_view .o_ccs_busy_bars .o_ccs_conflict .o_ccs_slot"),
        // moved to the afternoon, before saving: everybody is free
        {
            trigger: ".o_field_widget[name=start] input[data-field=start]",
            run: "edit 01/07/2030 15:00:00 && press Enter",
        },
        { trigger: `${row("Ada Lovelace")}:not(.o_ccs_conflict) .o_ccs_busy_status:contains(Free)` },
        { trigger: `.o_ccs_busy_bars:not(:has(.o_ccs_conflict))` },
        // an attendee removed leaves the bars before saving
        {
            trigger: ".o_field_many2manyattendee .o_tag:contains(Dan Ng) .o_delete:not(:visible)",
            run: "click",
        },
        { trigger: `.o_ccs_busy_bars:not(:contains(Dan Ng)):contains(Carol Diaz)` },
        // discarded: back at 10:00, in conflict again
        { trigger: ".o_form_view .o_form_status_indicator .o_form_button_cancel", run: "click" },
        { trigger: `${row("Ada Lovelace")}.o_ccs_conflict .o_ccs_slot` },
        { trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)" },
    ],
});
