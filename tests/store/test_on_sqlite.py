"""`store.db.on_sqlite` answers alike for every handle that leads to one database."""

from __future__ import annotations

from wipbot.store.db import bound_engine, make_engine, make_session_factory, on_sqlite


async def test_every_handle_of_one_database_gives_the_same_answer(db_url: str) -> None:
    expected = db_url.startswith("sqlite")
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    try:
        async with factory() as session, engine.connect() as connection:
            assert bound_engine(factory) is engine
            assert [on_sqlite(h) for h in (factory, session, engine, connection)] == [expected] * 4
            bound_to_connection = make_session_factory(engine)
            bound_to_connection.configure(bind=connection)
            assert bound_engine(bound_to_connection) is None
            assert on_sqlite(bound_to_connection) is False
            async with bound_to_connection() as on_connection:
                assert on_sqlite(on_connection) is expected
    finally:
        await engine.dispose()
