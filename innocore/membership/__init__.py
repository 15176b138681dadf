"""Who belongs where: verified organisation membership, company employees and invitations, and
research groups with their billing accounts, as pages and API.

Layering: this package sits above ``innocore.accounts`` (people and organisations),
``innocore.permissions``, ``innocore.groups`` (research-group tables and rules) and
``innocore.ledger`` (billing accounts and charges); none of those imports it.
"""
