"""The database: engine, tables, migrations, the store and read models. All SQL lives here."""
