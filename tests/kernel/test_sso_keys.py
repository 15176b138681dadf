"""The key that seals institutions' client secrets can be replaced without re-entering them
(``flask innocore sso rotate-key``): the new key seals, the old one still opens until retired."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from innocore.sso import vault
from innocore.sso.models import SsoConnection, SsoProtocol


@pytest.fixture
def key_file(app):
    """The instance folder's key file, given back as it was after the test."""
    path = vault.key_path(app.instance_path)
    vault.seal("x", app.instance_path)  # creates it if no test did yet
    before = path.read_bytes()
    yield path
    path.write_bytes(before)


@pytest.fixture
def connection(app, make_org, db_session, key_file):
    from innocore import clock

    now = clock.now()
    row = SsoConnection(
        organisation_id=make_org(name="Universidade de Lisboa").id,
        protocol=SsoProtocol.OIDC,
        issuer="https://login.ulisboa.example",
        client_id="innocore",
        client_secret="s3cret-of-lisbon",
        created_at=now,
        updated_at=now,
    )
    db_session.add(row)
    db_session.commit()
    return row


def _keys(path) -> list[bytes]:
    return [k for k in path.read_bytes().splitlines() if k]


def test_rotating_the_key_seals_every_secret_again_and_retiring_drops_the_old_key(
    app, db_session, connection, key_file
):
    old_keys = _keys(key_file)
    sealed_before = connection.sealed_secret
    runner = app.test_cli_runner()

    early = runner.invoke(args=["innocore", "sso", "rotate-key", "--retire"])
    assert early.exit_code == 0 and "0 older key(s) dropped" in early.output  # one key: nothing

    out = runner.invoke(args=["innocore", "sso", "rotate-key"])
    assert out.exit_code == 0, out.output
    assert "1 client secret(s) sealed again" in out.output
    keys = _keys(key_file)
    assert len(keys) == len(old_keys) + 1 and keys[1:] == old_keys
    db_session.expire_all()
    row = db_session.get(SsoConnection, connection.id)
    assert row.sealed_secret != sealed_before and row.client_secret == "s3cret-of-lisbon"
    token = row.sealed_secret.removeprefix(vault.PREFIX).encode()
    assert Fernet(keys[0]).decrypt(token) == b"s3cret-of-lisbon"  # sealed under the new key
    with pytest.raises(InvalidToken):
        Fernet(old_keys[0]).decrypt(token)  # the old key no longer opens it

    done = runner.invoke(args=["innocore", "sso", "rotate-key", "--retire"])
    assert done.exit_code == 0 and "1 older key(s) dropped" in done.output
    assert _keys(key_file) == keys[:1]
    db_session.expire_all()
    assert db_session.get(SsoConnection, connection.id).client_secret == "s3cret-of-lisbon"


def test_retiring_is_refused_while_a_secret_needs_an_old_key(app, db_session, connection, key_file):
    vault.add_key(app.instance_path)  # a new key, but the secret was not sealed again
    out = app.test_cli_runner().invoke(args=["innocore", "sso", "rotate-key", "--retire"])
    assert out.exit_code == 1
    assert "1 stored secret(s) are not sealed under the newest key" in out.output
    assert len(_keys(key_file)) == 2  # nothing dropped
    db_session.expire_all()
    assert db_session.get(SsoConnection, connection.id).client_secret == "s3cret-of-lisbon"


def test_an_old_key_still_opens_secrets_until_they_are_sealed_again(app, db_session, connection):
    vault.add_key(app.instance_path)
    db_session.expire_all()
    row = db_session.scalar(sa.select(SsoConnection).where(SsoConnection.id == connection.id))
    assert row.client_secret == "s3cret-of-lisbon"
