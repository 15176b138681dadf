"""Facility documents (rules, safety instructions) that people accept before booking.

A facility publishes a document for one instrument or for all of its instruments; each change is a
new numbered version (text or a file). Booking an instrument is refused (``document_not_accepted``)
until the booker has accepted the current version of every document that covers it.
"""
