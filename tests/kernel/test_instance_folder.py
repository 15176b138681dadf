"""The instance folder holds every file an installation makes for itself, wherever it is put."""

from concurrent.futures import ThreadPoolExecutor

from innocore import create_app
from innocore.files import create_once


def test_instance_path_moves_the_secret_key_the_database_and_the_signing_keys(tmp_path):
    from training.credentials.keys import key_dir

    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.instance_path == str(tmp_path)
    assert (tmp_path / "secret_key").read_text().strip() == app.secret_key
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'innocore.sqlite'}"
    with app.app_context():
        assert key_dir() == tmp_path / "credential-keys"
    # A second worker starting later reads the same key.
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).secret_key == app.secret_key


def test_a_file_created_once_by_many_workers_at_once_has_one_content(tmp_path):
    target = tmp_path / "keys" / "secret"
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda n: create_once(target, f"worker {n}".encode()), range(32)))
    assert len(seen) == 1 and seen == {target.read_bytes()}
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["secret"]  # no temporary files left
