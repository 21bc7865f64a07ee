"""The SQL adapter: SQLite, PostgreSQL and MySQL/MariaDB through SQLAlchemy 2 async Core.

Public names: adapters.sql.engine.make_engine / ping, adapters.sql.uow.SqlUnitOfWorkFactory,
adapters.sql.migrate.upgrade / upgrade_async / downgrade. Nothing is built at import time.
"""
