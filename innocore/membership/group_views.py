"""Research group pages: list and found groups, ask to join, the PI's decisions, accounts, spending.

Every write has an API twin in ``group_api`` calling the same service.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from innocore import groups
from innocore.extensions import db
from innocore.forms import attempt_action
from innocore.ledger.account_views import parse_account_form

bp = Blueprint("groups", __name__, url_prefix="/groups")
VERBS = {"approve": "approved", "decline": "declined", "remove": "removed"}


@bp.route("/")
@login_required
def index():
    mine = set(groups.active_group_ids(current_user))
    return render_template(
        "groups/index.html",
        groups=groups.groups_of_organisation(current_user.organisation_id),
        mine=mine,
    )


@bp.route("/", methods=["POST"])
@login_required
def create():
    group, err = attempt_action(
        lambda: groups.create_group(current_user, request.form.get("name", ""))
    )
    if err is not None:
        return render_template(
            "groups/index.html",
            groups=groups.groups_of_organisation(current_user.organisation_id),
            mine=set(groups.active_group_ids(current_user)),
            problems=err.problems,
        ), err.status
    flash(f"{group.name} founded: you are its principal investigator.", "success")
    return redirect(url_for("groups.show", group_id=group.id))


def _show(group_id: int, problems=None, status: int = 200):
    from innocore.ledger.accounts import AccountKind, group_accounts, group_usage

    group = groups.get_group(group_id)
    pi = groups.is_pi(current_user, group)
    row = groups._row(group.id, current_user.id)
    if not (pi or group.organisation_id == current_user.organisation_id):
        from innocore.errors import NotFound

        raise NotFound("No such research group.")
    active = row is not None and row.status == groups.GroupMemberStatus.ACTIVE
    return render_template(
        "groups/show.html",
        group=group,
        pi=pi,
        mine=row,
        members=groups.members_of(group) if (pi or active) else [],
        accounts=group_accounts(group) if (pi or active) else [],
        usage=group_usage(current_user, group.id) if pi else None,
        kinds=list(AccountKind),
        problems=problems or [],
    ), status


@bp.route("/<int:group_id>")
@login_required
def show(group_id: int):
    return _show(group_id)


@bp.route("/<int:group_id>/join", methods=["POST"])
@login_required
def join(group_id: int):
    groups.request_to_join(current_user, group_id)
    db.session.commit()
    flash("Request sent: the principal investigator decides.", "success")
    return redirect(url_for("groups.show", group_id=group_id))


@bp.route(
    "/<int:group_id>/members/<int:user_id>/<any(approve, decline, remove):verb>", methods=["POST"]
)
@login_required
def decide(group_id: int, user_id: int, verb: str):
    row = groups.decide_member(current_user, group_id, user_id, VERBS[verb])
    db.session.commit()
    flash(f"{row.user.name}: {VERBS[verb]}.", "success")
    return redirect(url_for("groups.show", group_id=group_id))


@bp.route("/<int:group_id>/accounts", methods=["POST"])
@login_required
def add_account(group_id: int):
    from innocore.ledger.accounts import create_account

    group = groups.get_group(group_id)
    if not groups.is_pi(current_user, group):
        from innocore.errors import Forbidden

        raise Forbidden("Only the group's principal investigator opens its accounts.")
    account, err = attempt_action(
        lambda: create_account(current_user, parse_account_form(request.form, group.id, False))
    )
    if err is not None:
        return _show(group_id, err.problems, err.status)
    flash(f"Account {account.label} opened.", "success")
    return redirect(url_for("groups.show", group_id=group_id))
