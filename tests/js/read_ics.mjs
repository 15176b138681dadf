// Read an iCalendar text from stdin with ical.js (Thunderbird's parser) and print, as JSON, every
// VEVENT's UID, SEQUENCE, METHOD-level facts and its start and end as UTC instants (ISO 8601), plus
// ORGANIZER and ATTENDEE addresses, so a test can compare them with the database.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(0, "utf8");
const root = new ICAL.Component(ICAL.parse(text));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}
const iso = (t) => new Date(t.toUnixTime() * 1000).toISOString();
const events = root.getAllSubcomponents("vevent").map((v) => {
  const e = new ICAL.Event(v);
  return {
    uid: e.uid,
    sequence: e.sequence,
    start: iso(e.startDate),
    end: iso(e.endDate),
    start_zone: e.startDate.zone ? e.startDate.zone.tzid : null,
    summary: e.summary,
    description: e.description,
    organizer: v.getFirstPropertyValue("organizer"),
    attendees: v.getAllProperties("attendee").map((p) => p.getFirstValue()),
    status: v.getFirstPropertyValue("status"),
  };
});
process.stdout.write(JSON.stringify({ method: root.getFirstPropertyValue("method"), events }));
