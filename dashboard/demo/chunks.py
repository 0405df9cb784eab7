"""The demo history in chunks of days, generated in worker processes.

Each chunk (about a month) is generated from its own random stream, so the
result depends only on the seed, the end time and the chunk, never on how
many workers ran.  Workers return insert-ready frames with local ids and
the chunk's partial sums of the aggregate tables; the loader renumbers the
frames and writes them in order while the next chunks are being generated
on the other core.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.aggregates.frames import AggregateFrames
from dashboard.demo.followups import generate_cases, generate_stop_payments
from dashboard.demo.history import Stations, generate_warnings
from dashboard.domain import StopPayment
from dashboard.domain.personal_data import PersonalDataCipher
from dashboard.ingest.bulk import seal_frame

CHUNK_DAYS = 31


@dataclass(frozen=True)
class ChunkTask:
    index: int
    seed: int
    dates: np.ndarray
    end: np.datetime64
    stations: Stations
    daily_warnings: float
    key: bytes  # the personal-data key of the process that planned the load
    growth: float | None = None  # year on year; None: the calibration's


@dataclass
class ChunkFrames:
    warnings: pd.DataFrame
    dissuasions: pd.DataFrame
    cases: pd.DataFrame
    stop_payments: pd.DataFrame
    aggregates: AggregateFrames  # this chunk's partial sums (ids play no part in them)


def plan_chunks(end: np.datetime64, days: int, seed: int, stations: Stations,
                daily_warnings: float, key: bytes, growth: float | None = None) -> list[ChunkTask]:
    """Split the ``days`` ending on ``end``'s day into chunks, oldest first.

    ``growth``: the volume's growth year on year (``daily_warnings`` is the
    last day's level); None takes the calibration's.
    """
    last_day = end.astype("datetime64[D]")
    dates = last_day - np.arange(days - 1, -1, -1).astype("timedelta64[D]")
    return [
        ChunkTask(i, seed, dates[start : start + CHUNK_DAYS], end, stations, daily_warnings, key, growth)
        for i, start in enumerate(range(0, days, CHUNK_DAYS))
    ]


def generate_chunk(task: ChunkTask) -> ChunkFrames:
    """Warnings, dissuasions, cases and stop-payments of one chunk, with local ids, and their sums."""
    rng = np.random.default_rng([task.seed, task.index])
    cipher = PersonalDataCipher(task.key)
    warnings, attempts = generate_warnings(rng, task.stations, task.end, task.dates,
                                           task.daily_warnings, cipher, growth=task.growth)
    cases = generate_cases(rng, warnings, task.stations, task.end, task.dates)
    stops = seal_frame(generate_stop_payments(rng, warnings, cases, task.end), StopPayment.__table__, cipher)
    attempts = attempts.drop(columns=["_owner", "_contact"])
    sums = AggregateFrames.for_reference()
    sums.add_warnings(warnings, attempts)
    sums.add_stop_payments(stops)
    sums.add_cases(cases)
    return ChunkFrames(warnings, attempts, cases, stops, sums)


def generated_chunks(tasks: list[ChunkTask], workers: int | None = None) -> Iterator[ChunkFrames]:
    """Yield the chunks in order; with more than one chunk, generate ahead in worker processes."""
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers < 1 or len(tasks) < 3:
        yield from map(generate_chunk, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        queue = iter(tasks)
        for task in queue:
            pending.append(pool.submit(generate_chunk, task))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class Renumberer:
    """Turns the chunks' local ids into global ones and numbers cases per year."""

    def __init__(self) -> None:
        self.next_id = {"warnings": 1, "dissuasions": 1, "cases": 1, "stop_payments": 1}
        self.case_seq: dict[int, int] = {}

    def apply(self, chunk: ChunkFrames) -> ChunkFrames:
        w_off = self.next_id["warnings"] - 1
        c_off = self.next_id["cases"] - 1
        chunk.warnings["id"] += w_off
        chunk.dissuasions["warning_id"] += w_off
        chunk.dissuasions.insert(0, "id", np.arange(len(chunk.dissuasions)) + self.next_id["dissuasions"])
        chunk.cases["id"] += c_off
        chunk.cases["warning_id"] += w_off
        chunk.stop_payments["id"] += self.next_id["stop_payments"] - 1
        chunk.stop_payments["warning_id"] += w_off
        chunk.stop_payments["case_id"] += c_off
        years = chunk.cases["reported_at"].dt.year.tolist()
        chunk.cases["number"] = [self._case_number(year) for year in years]
        for name in self.next_id:
            self.next_id[name] += len(getattr(chunk, name))
        return chunk

    def _case_number(self, year: int) -> str:
        self.case_seq[year] = self.case_seq.get(year, 0) + 1
        return f"XM{year}{self.case_seq[year]:06d}"
