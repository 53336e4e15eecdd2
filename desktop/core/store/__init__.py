"""SQLite through sqlite-utils: the database, rows, migrations, search, upkeep, import."""
