import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import exc as sa_exc

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render our UTC instant type as a plain timezone-aware DateTime: migrations import no app code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def collapse_old_package_heads(connection):
    """Databases made before the history became one line record several heads (one per package
    branch, e.g. ``0004_requests`` and ``0005_certification``). In the one line those are ancestors
    of each other: keep only the newest, so the upgrade continues from where the database stands."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    current = []
    if inspect(connection).has_table("alembic_version"):
        current = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        )
    if len(current) < 2:
        connection.rollback()  # end the reading transaction: alembic begins its own
        return
    script = ScriptDirectory.from_config(config)
    ancestors = {
        rev.revision
        for version in current
        for rev in script.iterate_revisions(version, "base")
        if rev.revision != version
    }
    for version in set(current) & ancestors:
        connection.execute(
            text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": version}
        )
    connection.commit()


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("render_item", render_item)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        collapse_old_package_heads(connection)
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction(), warnings.catch_warnings():
            # SQLite batch rebuilds reflect the rebuilt table's neighbours; SQLite cannot
            # reflect the expression indexes of organisation and user_account (lower(...)),
            # which stay as they are. One filter here for every revision.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa_exc.SAWarning)
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
