"""Replicas starting together migrate once: concurrent `oppbot db upgrade` on a fresh PostgreSQL
database all succeed (the advisory lock queues them) and leave the schema at head."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from oppbot.store.engine import database_revisions, head_revisions, make_engine, upgrade_database
from tests.serve.cluster import throwaway_database

PROCESSES = 4


async def test_concurrent_upgrades_of_a_fresh_database_migrate_once(tmp_path: Path) -> None:
    async with throwaway_database("postgresql", tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
        env["OPPBOT_DATABASE_URL"] = url
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "oppbot", "db", "upgrade"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(PROCESSES)
        ]
        outputs = [await asyncio.to_thread(p.communicate, None, 120) for p in procs]
        for proc, (out, _err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, out.decode(errors="replace")
        # The migrations ran in one process only: the others found the schema at head.
        ran = [out for out, _ in outputs if b"Running upgrade  -> 0001" in out]
        assert len(ran) == 1, [o.decode(errors="replace")[-500:] for o, _ in outputs]
        engine = make_engine(url)
        try:
            assert await database_revisions(engine) == set(head_revisions())
            async with engine.connect() as conn:
                rows = await conn.scalar(sa.text("SELECT count(*) FROM alembic_version"))
            assert rows == 1
        finally:
            await engine.dispose()


async def test_concurrent_upgrades_in_one_process_too(tmp_path: Path) -> None:
    """The same race between engines (pools) of one process, as `serve` workers would have."""
    async with throwaway_database("postgresql", tmp_path) as url:
        engines = [make_engine(url) for _ in range(PROCESSES)]
        try:
            upgrades = asyncio.gather(*(upgrade_database(engine) for engine in engines))
            await asyncio.wait_for(upgrades, 120)  # unguarded, they deadlock on the DDL
            assert await database_revisions(engines[0]) == set(head_revisions())
        finally:
            for engine in engines:
                await engine.dispose()
