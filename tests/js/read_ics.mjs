// Read iCalendar texts with ical.js (Thunderbird's parser). Input on stdin: a JSON array of texts.
// Output: a JSON array, per text {method, events: [{uid, start, end (UTC ISO 8601), organizer,
// attendees, status, ...}]}, so a test can compare what ical.js read with the database.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const iso = (t) => new Date(t.toUnixTime() * 1000).toISOString();

function readOne(text) {
  const root = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
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
  return { method: root.getFirstPropertyValue("method"), events };
}

const texts = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map(readOne)));
