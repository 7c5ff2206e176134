"""Where it is kept: SQLModel tables, sessions, migrations, imports and read queries."""
