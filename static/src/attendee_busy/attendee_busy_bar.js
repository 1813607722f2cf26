import { Component, useState } from "@odoo/owl";
import { deserializeDateTime, serializeDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const PROVIDERS = { google: _t("Google"), microsoft: _t("Outlook") };
const HOURS = { first: 8, last: 19 };
// what the server answers at once (calendar.sync.availability MAX_USERS)
const MAX_ATTENDEES = 50;

function where(source, start, end) {
    if (source === "odoo") {
        return _t("Busy %(start)s-%(end)s in Odoo", { start, end });
    }
    const provider = PROVIDERS[source] || source;
    return _t("Busy %(start)s-%(end)s at %(provider)s", { start, end, provider });
}

/**
 * Below the attendees of an event: each one's busy time for the day of the event, from Odoo
 * and from their connected calendars (calendar.sync.availability.attendee_busy: times only),
 * with the event's own slot drawn over it. Asked again when the day, the attendees or the
 * event change; moving the event within the day only redraws (the answer is the same).
 */
export class AttendeeBusyBar extends Component {
    static template = "calendar_cloud_sync.AttendeeBusyBar";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ rows: [], day: null, slot: null, failed: false, more: 0 });
        this.asked = 0;
        this.question = null;
        useRecordObserver((record) => this.refresh(record));
    }

    async refresh(record) {
        const { allday, start, stop, start_date, stop_date } = record.data;
        const allIds = record.data.partner_ids.currentIds;
        const partnerIds = allIds.slice(0, MAX_ATTENDEES);
        const first = allday ? start_date : start;
        if (!first || !partnerIds.length) {
            this.state.rows = [];
            this.question = null;
            return;
        }
        const day = first.startOf("day");
        this.state.slot = allday
            ? [day, (stop_date || start_date).startOf("day").plus({ days: 1 })]
            : [start, stop || start];
        const question = JSON.stringify([partnerIds, serializeDateTime(day), record.resId]);
        if (question === this.question) {
            return;
        }
        this.question = question;
        const ask = ++this.asked;
        let answer;
        try {
            answer = await this.orm.silent.call("calendar.sync.availability", "attendee_busy", [
                partnerIds,
                serializeDateTime(day),
                serializeDateTime(day.plus({ days: 1 })),
                record.resId || false,
            ]);
        } catch {
            // the form stays usable; the bar says it could not be shown, and asks again next time
            if (ask === this.asked) {
                this.question = null;
                this.state.failed = true;
                this.state.rows = [];
            }
            return;
        }
        if (ask !== this.asked) {
            return; // a newer question is on its way
        }
        this.state.failed = false;
        this.state.more = allIds.length - partnerIds.length;
        this.state.day = day;
        this.state.rows = answer.attendees.map((row) => ({
            ...row,
            busy: row.busy.map((b) => ({
                start: deserializeDateTime(b.start),
                end: deserializeDateTime(b.end),
                source: b.source,
            })),
        }));
    }

    /** The hours the bars show: working hours, widened to what they must show. */
    get range() {
        const day = this.state.day;
        let first = HOURS.first;
        let last = HOURS.last;
        const moments = this.state.rows.flatMap((row) => row.busy.flatMap((b) => [b.start, b.end]));
        if (this.state.slot) {
            moments.push(...this.state.slot);
        }
        for (const moment of moments) {
            const hours = moment.diff(day, "hours").hours;
            first = Math.min(first, Math.max(0, Math.floor(hours)));
            last = Math.max(last, Math.min(24, Math.ceil(hours)));
        }
        return {
            start: day.plus({ hours: first }),
            end: day.plus({ hours: last }),
            // a faint line each hour
            ticks: `background-size: ${(100 / (last - first)).toFixed(4)}% 100%;`,
        };
    }

    place(start, end) {
        const { start: from, end: to } = this.range;
        const total = to.diff(from).as("milliseconds");
        const left = Math.max(0, start.diff(from).as("milliseconds") / total);
        const right = Math.min(1, end.diff(from).as("milliseconds") / total);
        return `left: ${(left * 100).toFixed(2)}%; width: ${(Math.max(right - left, 0.004) * 100).toFixed(2)}%;`;
    }

    conflicts(row) {
        const [start, end] = this.state.slot || [];
        return start ? row.busy.filter((b) => b.start < end && b.end > start) : [];
    }

    status(row) {
        const conflicts = this.conflicts(row);
        if (!conflicts.length) {
            return _t("Free");
        }
        return conflicts
            .map((b) => where(b.source, b.start.toFormat("HH:mm"), b.end.toFormat("HH:mm")))
            .join(", ");
    }

    warning(row) {
        if (!row.down.length) {
            return "";
        }
        const providers = row.down.map((p) => PROVIDERS[p] || p).join(", ");
        if (row.answered.length) {
            return _t("%(providers)s did not answer", { providers });
        }
        return _t("%(providers)s did not answer: Odoo events only", { providers });
    }

    get moreText() {
        return _t("and %(count)s more attendees, not shown", { count: this.state.more });
    }

    get failedText() {
        return _t("The attendees' busy time could not be shown.");
    }

    nameTitle(row) {
        return row.odoo_only ? _t("%(name)s: Odoo events only", { name: row.name }) : row.name;
    }

    sourceTitle(source) {
        return source === "odoo" ? _t("Odoo") : PROVIDERS[source] || source;
    }
}

export const attendeeBusyBar = {
    component: AttendeeBusyBar,
    fieldDependencies: [
        { name: "start", type: "datetime" },
        { name: "stop", type: "datetime" },
        { name: "start_date", type: "date" },
        { name: "stop_date", type: "date" },
        { name: "allday", type: "boolean" },
    ],
};

registry.category("view_widgets").add("ccs_attendee_busy", attendeeBusyBar);
