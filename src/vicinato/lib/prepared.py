"""Queries of the booking engine's hot paths (and of the API's sign-in), turned into SQL once and then reused.

Building the SQL of an ORM query costs more CPU here (0.5-1 ms for a query with a few filters, joins or
subqueries) than the database spends running it, and every booking and every availability answer runs the
same few queries with other values. A `Prepared` query is written with the ORM as usual, with `Param("name",
field)` where a value changes; its first run on a database compiles it (the SQL that the ORM writes for that
database, SQLite or PostgreSQL) and keeps it with the converters of its columns for every thread; later runs
only adapt the values and execute. `PreparedInsert` does the same for the INSERT of a model's row.

On PostgreSQL they run with the values bound by the server, which then also keeps their plan (psycopg
prepares a statement once it has run `prepare_threshold` times on a connection; see settings): planning
these statements costs the server three to five times more than running them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.sql.subqueries import InsertQuery

# Per database (alias and vendor), what each prepared query compiled to there. Shared by the threads: the SQL
# and the converters depend on the database only. Two threads may compile the same query once each, harmlessly.
_compiled: dict[tuple[str, str], dict] = {}


class Param(Expression):
    """A value given when the query runs, adapted for the database as `output_field` adapts its values (`save`:
    as it adapts a value to store)."""

    def __init__(self, name: str, output_field: Field, save: bool = False):
        super().__init__(output_field=output_field)
        self.name, self.save = name, save

    def as_sql(self, compiler, connection):
        return "%s", [self]

    def adapt(self, values: dict, connection):
        if self.save:
            return self.output_field.get_db_prep_save(values[self.name], connection)
        return self.output_field.get_db_prep_value(values[self.name], connection, prepared=False)


def _bind(params: Sequence, values: dict, connection) -> list:
    return [p.adapt(values, connection) if isinstance(p, Param) else p for p in params]


def _cursor(connection):
    """A cursor of the connection, wrapped (and logged) as Django's, for a `with` block.

    On PostgreSQL (psycopg 3) it binds the values on the server, so that psycopg can prepare its statements, and
    it is the same cursor for every prepared query on the connection, left open: creating a cursor and looking
    up the adapters of its values again cost more than running the statement."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return connection.cursor()
    # What connection.cursor() does before creating a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    kept = getattr(connection, "_prepared_cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        from django.db.backends.postgresql.base import ServerBindingCursor

        default, raw.cursor_factory = raw.cursor_factory, ServerBindingCursor
        try:
            with connection.wrap_database_errors:
                kept = connection._prepared_cursor = (raw, connection.create_cursor())
        finally:
            raw.cursor_factory = default
    return _Kept(connection._prepare_cursor(kept[1]))


class _Kept:
    """A cursor for a `with` block that leaves it open."""

    def __init__(self, cursor):
        self.cursor = cursor

    def __enter__(self):
        return self.cursor

    def __exit__(self, *exc) -> None:
        pass


def _execute(connection, cursor, sql: str, params: list) -> None:
    cursor.execute(sql, params)
    if connection.queries_logged and connection.queries_log and connection.queries_log[-1]["sql"] is None:
        # A statement already prepared is run by name: psycopg keeps no SQL for Django's log to show
        # (connection.queries, CaptureQueriesContext), so it is written here.
        connection.queries_log[-1]["sql"] = connection.ops.compose_sql(sql, params)


def _cache(connection) -> dict:
    return _compiled.setdefault((connection.alias, connection.vendor), {})


class Prepared:
    """A query built by `build()` (a QuerySet, usually ending in values_list) with `Param` placeholders.

    `rows(**values)` gives its rows as the QuerySet would (each column converted, e.g. SQLite's datetimes).
    A `select_for_update()` query must run inside a transaction, as the ORM requires."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build

    def _compile(self, connection):
        cache = _cache(connection)
        compiled = cache.get(self)
        if compiled is None:
            compiler = self._build().query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            compiled = cache[self] = (compiler, sql, tuple(params), compiler.get_converters(fields))
        return compiled

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        connection = connections[using]
        compiler, sql, params, converters = self._compile(connection)
        with _cursor(connection) as cursor:
            _execute(connection, cursor, sql, _bind(params, values, connection))
            rows = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


class PreparedInsert:
    """The INSERT of one row of `model` with the given fields (by name); `run(**values)` gives the new pk.

    The values are stored as given: no field default and no auto_now_add, and the fields left out get the
    database's default (NULL)."""

    def __init__(self, model: type[Model], fields: Sequence[str]):
        self.model, self.fields = model, tuple(fields)

    def _compile(self, connection):
        cache = _cache(connection)
        compiled = cache.get(self)
        if compiled is None:
            opts = self.model._meta
            fields = [opts.get_field(name) for name in self.fields]
            row = self.model()
            for field in fields:
                setattr(row, field.attname, Param(field.name, field, save=True))
            query = InsertQuery(self.model)
            # raw: the values are the ones given, with no pre_save() (auto_now_add would fix a time here).
            query.insert_values(fields, [row], raw=True)
            compiler = query.get_compiler(connection=connection)
            returns = connection.features.can_return_columns_from_insert
            compiler.returning_fields = [opts.pk] if returns else None
            [(sql, params)] = compiler.as_sql()
            compiled = cache[self] = (sql, tuple(params), returns)
        return compiled

    def run(self, using: str = DEFAULT_DB_ALIAS, **values):
        connection = connections[using]
        sql, params, returns = self._compile(connection)
        opts = self.model._meta
        with _cursor(connection) as cursor:
            _execute(connection, cursor, sql, _bind(params, values, connection))
            if returns:
                return cursor.fetchone()[0]
            return connection.ops.last_insert_id(cursor, opts.db_table, opts.pk.column)
