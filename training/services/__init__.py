"""Training use cases, one module per subject:

- ``planning``: managers define modules and schedule, edit and cancel sessions;
- ``enrolment``: enrol, waiting lists, offers, withdrawal;
- ``records``: attendance and assessments;
- ``parts``: a session's parts and the instrument time they hold.

They lock, check permissions, call the pure rules (``training.rules``), change rows, audit and
queue notices; they flush, and the boundary commits once.
"""
